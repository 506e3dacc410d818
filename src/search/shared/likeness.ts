import type { CatalogLikeness } from '../../artifacts/shared/format.js';
import { percentile, sampleIndices } from '../../vectors/shared/random.js';
import { dot } from '../../vectors/shared/vector.js';

/**
 * Products whose nearest neighbour the build measures. Each is compared with every product, so the cost grows with
 * the catalog only linearly (500 × 44,441 products × 512 dimensions: about ten seconds on one core).
 */
const LIKENESS_SAMPLE = 500;

/**
 * The catalog's own nearest-neighbour similarities (leave one out: a product against every other one), over a seeded
 * sample of products: the yardstick a query photo's nearest product is held against. Studio shots of one shop sit
 * close to each other (the demo catalog's median is about 0.98); a shopper's photo of a T-shirt on a bed does not.
 * `rowAt(i)` gives product i's semantic vector: the rows are read once each, so a catalog need not fit in memory.
 */
export function measureCatalogLikeness(count: number, rowAt: (i: number) => Float32Array, seed: number, sample = LIKENESS_SAMPLE): CatalogLikeness {
  if (count < 2) return { sampled: 0, low: 0, typical: 1 };
  const sampled = sampleIndices(count, sample, seed);
  const probes = sampled.map((i) => rowAt(i));
  const nearest = sampled.map(() => -Infinity);
  for (let j = 0; j < count; j++) {
    const row = rowAt(j);
    sampled.forEach((i, s) => {
      if (i !== j) nearest[s] = Math.max(nearest[s]!, dot(probes[s]!, row));
    });
  }
  return { sampled: nearest.length, low: percentile(nearest, 5), typical: percentile(nearest, 50) };
}

/**
 * How catalog-like a photo is, from the similarity of its nearest catalog product: 0 at the catalog's low end
 * (5th percentile of its own nearest-neighbour similarities), 1 at its median; below 0 the photo is unlike any
 * catalog photo.
 */
export function likenessOf(nearestSimilarity: number, catalog: CatalogLikeness): number {
  const spread = catalog.typical - catalog.low;
  return spread > 0 ? (nearestSimilarity - catalog.low) / spread : nearestSimilarity >= catalog.low ? 1 : -1;
}
