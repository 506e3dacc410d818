import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { dot, softmax, type Matrix } from '../../vectors/shared/vector.js';
import type { SearchCatalog } from './catalog.js';
import type { SearchConfig } from '../../artifacts/shared/config.js';
import type { CategoryGuess } from './response.js';

/** CLIP zero-shot: softmax over logitScale · cosine(query, label embedding). */
export function zeroShot(query: Float32Array, labels: Matrix, logitScale: number): number[] {
  const logits = Array.from({ length: labels.rows }, (_, i) => logitScale * dot(query, labels.data, i * labels.dim));
  return softmax(logits);
}

/**
 * Category probabilities for a photo, best first. Zero-shot prompts decide how likely each category is,
 * including categories the catalog lacks; within the share that zero-shot gives to in-stock categories, the
 * labels of the photo's nearest catalog neighbours (how this shop labels such things) take `1 - zeroShotWeight`
 * of the say. Neighbours never vote a category out of stock: they cannot know about it.
 */
export function predictCategory(
  catalog: SearchCatalog,
  semantic: Float32Array,
  config: Pick<SearchConfig, 'zeroShotWeight' | 'neighborVotes' | 'neighborTemperature'>,
): CategoryGuess[] {
  const labels = catalog.prompts.categories;
  const logitScale = catalog.manifest.models.textSemantic.spec.logitScale;
  const zs = zeroShot(semantic, catalog.prompts.vectors, logitScale);
  const inCatalog = labels.map((c) => catalog.categories.has(categoryKey(c)));
  const labelIndex = new Map(labels.map((c, i) => [categoryKey(c), i]));

  // One vote per product: augmented copies of a product must not vote several times.
  const variants = Math.ceil(catalog.manifest.counts.entries / catalog.manifest.counts.products);
  const found = catalog.catalogAnn.search(semantic, config.neighborVotes * variants);
  const voters = new Map<number, number>();
  found.ids.forEach((entry, i) => {
    const product = catalog.entryProducts[entry]!;
    if (!voters.has(product) && voters.size < config.neighborVotes) voters.set(product, found.scores[i]!);
  });
  const votes = new Array<number>(labels.length).fill(0);
  const weights = softmax([...voters.values()].map((s) => s * config.neighborTemperature));
  [...voters.keys()].forEach((product, i) => {
    votes[labelIndex.get(categoryKey(catalog.products[product]!.category))!]! += weights[i]!;
  });

  const inStockMass = zs.reduce((sum, p, i) => (inCatalog[i] ? sum + p : sum), 0);
  const alpha = voters.size > 0 && inStockMass > 0 ? config.zeroShotWeight : 1;
  return labels
    .map((category, i) => ({
      category,
      confidence: inCatalog[i] ? alpha * zs[i]! + (1 - alpha) * inStockMass * votes[i]! : zs[i]!,
      in_catalog: inCatalog[i]!,
    }))
    .sort((a, b) => b.confidence - a.confidence);
}
