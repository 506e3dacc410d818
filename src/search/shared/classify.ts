import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { dotKernel } from '../../vectors/shared/dots.js';
import { softmax, type Matrix } from '../../vectors/shared/vector.js';
import type { CatalogInfo, CatalogSource, Neighbour } from './source.js';
import type { SearchConfig } from '../../artifacts/shared/config.js';
import type { CategoryGuess } from './response.js';

/** CLIP zero-shot: softmax over logitScale · cosine(query, label embedding), the cosines in the WASM kernel. */
export function zeroShot(query: Float32Array, labels: Matrix, logitScale: number): number[] {
  const kernel = dotKernel();
  // Label sets are few and long-lived (a catalog's prompts): kept in the kernel's memory.
  kernel.placeCodes(labels.data);
  const cosines = kernel.floatDots(query, labels.data, labels.dim);
  return softmax(Array.from(cosines, (c) => logitScale * c));
}

/** Which labels the catalog holds, and each label's place: the same for every search of a catalog. */
const labelsOf = new WeakMap<CatalogInfo, { inCatalog: boolean[]; labelIndex: Map<string, number> }>();
function catalogLabels(info: CatalogInfo) {
  let known = labelsOf.get(info);
  if (!known) {
    const labels = info.prompts.categories;
    known = { inCatalog: labels.map((c) => info.categories.has(categoryKey(c))), labelIndex: new Map(labels.map((c, i) => [categoryKey(c), i])) };
    labelsOf.set(info, known);
  }
  return known;
}

/** What the classifier saw: its guesses, and what each of its two sources would have named alone. */
export interface CategoryReading {
  /** Category probabilities, best first. */
  readonly guesses: CategoryGuess[];
  /** The prompts' best in-stock category, or null when no label is in stock. */
  readonly zeroShotBest: string | null;
  /** The neighbours' most voted category, or null without neighbours. */
  readonly neighboursBest: string | null;
}

/**
 * Category probabilities for a photo, best first. Zero-shot prompts decide how likely each category is,
 * including categories the catalog lacks; within the share that zero-shot gives to in-stock categories, the
 * labels of the photo's nearest catalog neighbours (how this shop labels such things) take `1 - zeroShotWeight`
 * of the say. Neighbours never vote a category out of stock: they cannot know about it.
 */
export async function predictCategory(
  source: CatalogSource,
  semantic: Float32Array,
  config: Pick<SearchConfig, 'zeroShotWeight' | 'neighborVotes' | 'neighborTemperature'>,
): Promise<CategoryGuess[]> {
  const voters = await source.neighbours(semantic, config.neighborVotes);
  return readCategory(source.info, semantic, voters, config).guesses;
}

/**
 * predictCategory with the voters given (the photo's nearest products, best first, one each), and what the prompts
 * and the neighbours would have said alone.
 */
export function readCategory(
  info: CatalogInfo,
  semantic: Float32Array,
  voters: readonly Neighbour[],
  config: Pick<SearchConfig, 'zeroShotWeight' | 'neighborTemperature'>,
): CategoryReading {
  const { prompts, logitScale } = info;
  const labels = prompts.categories;
  const zs = zeroShot(semantic, prompts.vectors, logitScale);
  const { inCatalog, labelIndex } = catalogLabels(info);

  const votes = new Array<number>(labels.length).fill(0);
  const weights = softmax(voters.map((v) => v.score * config.neighborTemperature));
  voters.forEach((voter, i) => {
    votes[labelIndex.get(categoryKey(voter.category))!]! += weights[i]!;
  });

  const inStockMass = zs.reduce((sum, p, i) => (inCatalog[i] ? sum + p : sum), 0);
  const alpha = voters.length > 0 && inStockMass > 0 ? config.zeroShotWeight : 1;
  const guesses = labels
    .map((category, i) => ({
      category,
      confidence: inCatalog[i] ? alpha * zs[i]! + (1 - alpha) * inStockMass * votes[i]! : zs[i]!,
      in_catalog: inCatalog[i]!,
    }))
    .sort((a, b) => b.confidence - a.confidence);
  const best = (scores: readonly number[], eligible: (i: number) => boolean) => {
    let top = -1;
    scores.forEach((v, i) => {
      if (eligible(i) && (top < 0 || v > scores[top]!)) top = i;
    });
    return top < 0 ? null : labels[top]!;
  };
  return {
    guesses,
    zeroShotBest: best(zs, (i) => inCatalog[i]!),
    neighboursBest: voters.length > 0 ? best(votes, () => true) : null,
  };
}
