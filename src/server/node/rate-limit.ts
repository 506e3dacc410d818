export interface RateLimit {
  /** Searches a client may make per second, sustained. */
  readonly perSecond: number;
  /** How many it may make at once after a pause. */
  readonly burst: number;
}

/** A shopper searches a few times a minute; a page refining chips a few in a second. Scripts get slowed, not served. */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 5, burst: 20 };

/** Clients remembered at most: the oldest are forgotten first (a client idle that long has a full bucket anyway). */
const MAX_CLIENTS = 10_000;

/** A token bucket per client address. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit = DEFAULT_RATE_LIMIT) {}

  /** Takes one token: 0 when the request may go ahead, else the milliseconds until it could. */
  take(client: string, now = Date.now()): number {
    const { perSecond, burst } = this.limit;
    const bucket = this.buckets.get(client) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}
