import { percentile } from '../../vectors/shared/random.js';

/** A latency (or any) distribution, in the unit of its samples. */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, p50: Number.NaN, p95: Number.NaN, mean: Number.NaN, min: Number.NaN, max: Number.NaN };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    sum += s;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return { n: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), mean: sum / samples.length, min, max };
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/**
 * The contenders of one repetition, in a different order each time: each one runs first, last and in between
 * equally often, so a slow spell of the shared machine does not land on one of them.
 */
export function rotate<T>(items: readonly T[], repetition: number): T[] {
  if (items.length === 0) return [];
  const by = repetition % items.length;
  return [...items.slice(by), ...items.slice(0, by)];
}

/** |found ∩ truth| / |truth| over the first k of each. */
export function recallAt(found: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  const want = new Set(Array.prototype.slice.call(truth, 0, k) as number[]);
  if (want.size === 0) return 1;
  let hit = 0;
  const n = Math.min(k, found.length);
  for (let i = 0; i < n; i++) if (want.has(found[i]!)) hit++;
  return hit / want.size;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
