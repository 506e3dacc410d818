import { categoryKey, categoryPrompts, colorPrompts, type TaxonomyConfig } from '../../catalog/shared/taxonomy.js';
import type { TextEmbedder } from '../../models/shared/embedders.js';
import { zeroShot } from '../../search/shared/classify.js';
import { matrixFromRows, meanDirection, normalize, type Matrix } from '../../vectors/shared/vector.js';

const TEXT_BATCH = 64;

/** Embeds texts in batches, unit length, remembering each text's vector (prompts repeat across products). */
export class TextVectors {
  private readonly memo = new Map<string, Float32Array>();

  constructor(private readonly embedder: TextEmbedder) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.memo.has(t)))];
    for (let i = 0; i < missing.length; i += TEXT_BATCH) {
      const batch = missing.slice(i, i + TEXT_BATCH);
      (await this.embedder.embed(batch)).forEach((v, j) => this.memo.set(batch[j]!, normalize(v)));
    }
    return texts.map((t) => this.memo.get(t)!);
  }

  /** One embedding per label: the mean direction of all its prompts. */
  async labelMatrix(labels: readonly string[], promptsOf: (label: string) => string[]): Promise<Matrix> {
    const rows: Float32Array[] = [];
    for (const label of labels) rows.push(meanDirection(await this.embed(promptsOf(label))));
    return matrixFromRows(rows, this.embedder.spec.dim);
  }
}

export interface Prediction {
  readonly label: string;
  readonly confidence: number;
}

function best(labels: readonly string[], probabilities: number[]): Prediction {
  let top = 0;
  probabilities.forEach((p, i) => {
    if (p > probabilities[top]!) top = i;
  });
  return { label: labels[top]!, confidence: probabilities[top]! };
}

/** Labels compared by categoryKey, first spelling kept. */
export function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const l of labels) if (!seen.has(categoryKey(l))) seen.set(categoryKey(l), l);
  return [...seen.values()];
}

/** Zero-shot category of each product photo over a vocabulary. */
export async function predictCategories(
  text: TextVectors,
  taxonomy: TaxonomyConfig,
  vocabulary: readonly string[],
  imageVectors: readonly Float32Array[],
  logitScale: number,
): Promise<Prediction[]> {
  const labels = await text.labelMatrix(vocabulary, (c) => categoryPrompts(taxonomy, c));
  return imageVectors.map((v) => best(vocabulary, zeroShot(v, labels, logitScale)));
}

/** Zero-shot colour of each product, with prompts that name its category ("navy blue tshirts"). */
export async function predictColors(
  text: TextVectors,
  taxonomy: TaxonomyConfig,
  categories: readonly string[],
  imageVectors: readonly Float32Array[],
  logitScale: number,
  onCategoryDone: (done: number, total: number) => void,
): Promise<Prediction[]> {
  const byCategory = new Map<string, Matrix>();
  const distinct = new Set(categories).size;
  const out: Prediction[] = [];
  for (let i = 0; i < imageVectors.length; i++) {
    const category = categories[i]!;
    let matrix = byCategory.get(category);
    if (!matrix) {
      matrix = await text.labelMatrix(taxonomy.colors, (color) => colorPrompts(taxonomy, color, category));
      byCategory.set(category, matrix);
      onCategoryDone(byCategory.size, distinct);
    }
    out.push(best(taxonomy.colors, zeroShot(imageVectors[i]!, matrix, logitScale)));
  }
  return out;
}
