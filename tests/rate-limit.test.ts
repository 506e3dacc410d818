import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/server/node/rate-limit.js';

describe('the search API rate limit (a token bucket per client address)', () => {
  it('allows a burst, then one search per 1/rate seconds, and says how long to wait', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 });
    expect([0, 0, 0].map(() => limiter.take('a', 1_000))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 1_000)).toBe(500);
    expect(limiter.take('a', 1_250)).toBe(250);
    expect(limiter.take('a', 1_500)).toBe(0);
    expect(limiter.take('a', 1_500)).toBe(500);
    // Another address has its own bucket; a long pause refills to the burst, not beyond.
    expect(limiter.take('b', 1_500)).toBe(0);
    expect([0, 0, 0, 0].map(() => limiter.take('a', 60_000))).toEqual([0, 0, 0, 500]);
  });
});
