/**
 * Retrieval metrics on ranked result lists. Pure functions over plain values, so hand-made cases test them.
 */

/**
 * Precision at k of one ranked list, given which results are relevant (best first).
 * The denominator is k, or the number of relevant products the catalog holds when that is smaller, so a perfect
 * ranking always scores 1 (a category of 3 products cannot fill 5 slots). Missing results (fewer than k returned)
 * count as misses. `null` when the catalog holds nothing relevant: the query says nothing about ranking.
 */
export function precisionAtK(relevant: readonly boolean[], k: number, available = Number.POSITIVE_INFINITY): number | null {
  if (!(Number.isInteger(k) && k > 0)) throw new RangeError(`k must be a positive integer, got ${k}`);
  const slots = Math.min(k, available);
  if (!(slots > 0)) return null;
  let hits = 0;
  for (let i = 0; i < Math.min(k, relevant.length); i++) if (relevant[i]) hits++;
  return Math.min(1, hits / slots);
}

/** 1-based rank of `target` among the ranked ids, or null when absent. */
export function rankOf(ids: readonly string[], target: string): number | null {
  const i = ids.indexOf(target);
  return i < 0 ? null : i + 1;
}

/** Whether the one right answer is among the first k (exact-product recall: there is one relevant item). */
export function hitAtK(rank: number | null, k: number): number {
  return rank !== null && rank <= k ? 1 : 0;
}

/** Mean of the known values; null when there are none (a metric that does not apply is not 0). */
export function mean(values: readonly (number | null | undefined)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    sum += v;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** Share of items for which `test` holds; null for no items. */
export function rate<T>(items: readonly T[], test: (item: T) => boolean): number | null {
  return items.length === 0 ? null : items.filter(test).length / items.length;
}

/** Groups items by a key, keeping first-seen order of keys and the first display name of each. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string, display: (item: T) => string = key): { name: string; items: T[] }[] {
  const groups = new Map<string, { name: string; items: T[] }>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.items.push(item);
    else groups.set(k, { name: display(item), items: [item] });
  }
  return [...groups.values()];
}

export interface Confusion {
  readonly label: string;
  readonly predicted: string;
  readonly count: number;
  /** Share of the queries with this label that were predicted as `predicted`. */
  readonly share_of_label: number;
}

/**
 * The most frequent (label → wrong prediction) pairs, most frequent first; ties by label, then prediction, so the
 * summary is stable. A query with no prediction counts as predicted "(none)".
 */
export function topConfusions(
  outcomes: readonly { readonly label: string; readonly predicted: string | null; readonly correct: boolean }[],
  limit: number,
  key: (label: string) => string = (s) => s,
): Confusion[] {
  const perLabel = new Map<string, number>();
  const pairs = new Map<string, { label: string; predicted: string; count: number }>();
  for (const o of outcomes) {
    perLabel.set(key(o.label), (perLabel.get(key(o.label)) ?? 0) + 1);
    if (o.correct) continue;
    const predicted = o.predicted ?? '(none)';
    const pairKey = `${key(o.label)}\u0000${key(predicted)}`;
    const pair = pairs.get(pairKey);
    if (pair) pair.count++;
    else pairs.set(pairKey, { label: o.label, predicted, count: 1 });
  }
  return [...pairs.values()]
    .sort((a, b) => b.count - a.count || compare(a.label, b.label) || compare(a.predicted, b.predicted))
    .slice(0, limit)
    .map((p) => ({ ...p, share_of_label: p.count / perLabel.get(key(p.label))! }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An evenly spaced grid from `from` to `to` inclusive, free of float drift (0.30000000000000004). */
export function grid(from: number, to: number, steps: number): number[] {
  if (!(Number.isInteger(steps) && steps > 0)) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  return Array.from({ length: steps + 1 }, (_, i) => Number((from + ((to - from) * i) / steps).toFixed(10)));
}

/**
 * The point with the highest value (nulls never win). Ties — within `tolerance` — go to the point whose parameter is
 * closest to `preferred` (the current setting: do not move a default for nothing), then to the smaller parameter.
 */
export function bestPoint<T>(points: readonly T[], value: (p: T) => number | null, param: (p: T) => number, preferred: number, tolerance = 1e-9): T | null {
  const known = points.filter((p) => value(p) !== null);
  if (known.length === 0) return null;
  const top = Math.max(...known.map((p) => value(p)!));
  const tied = known.filter((p) => value(p)! >= top - tolerance);
  const distance = (p: T) => Math.abs(param(p) - preferred);
  return tied.sort((a, b) => (Math.abs(distance(a) - distance(b)) > 1e-9 ? distance(a) - distance(b) : param(a) - param(b)))[0]!;
}

/** Rounds for the report (metrics are shares: 4 decimals is 0.01 %); null stays null. */
export function round(value: number | null, decimals = 4): number | null {
  if (value === null) return null;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
