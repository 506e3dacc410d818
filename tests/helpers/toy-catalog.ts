import { ExactIndex } from '../../src/ann/shared/ann.js';
import { categoryKey } from '../../src/catalog/shared/taxonomy.js';
import type { ArtifactManifest, CatalogLikeness, Product } from '../../src/artifacts/shared/format.js';
import type { CategoryScope, SearchCatalog } from '../../src/search/shared/catalog.js';
import { catalogSource, type CatalogSource } from '../../src/search/shared/source.js';
import type { SearchConfig } from '../../src/artifacts/shared/config.js';
import { matrixFromRows, normalize } from '../../src/vectors/shared/vector.js';

/** Search parameters for the toy worlds: raw cosines (no calibration), a middling confidence threshold. */
export const TOY_SEARCH_CONFIG: SearchConfig = {
  topK: 8,
  fusion: 'weighted',
  weights: { semantic: 0.5, visual: 0.5 },
  calibrate: false,
  rrfK: 60,
  confidenceThreshold: 0.5,
  zeroShotWeight: 0.5,
  neighborVotes: 4,
  neighborTemperature: 20,
  candidates: 50,
  efSearch: 50,
  composeTextWeight: 1,
  textPhotoWeight: 0.5,
  nearIdenticalSimilarity: null,
  shopperPhotos: null,
  confidenceModel: null,
};

export function toyProduct(id: string, category: string, name: string | null = null): Product {
  return {
    id,
    filename: `${id}.jpg`,
    image: `images/${id}.jpg`,
    name,
    category,
    labelCategory: category,
    predictedCategory: category,
    predictedCategoryConfidence: 1,
    color: null,
    predictedColor: 'Blue',
    gender: null,
  };
}

export interface ToyWorld {
  readonly products: readonly Product[];
  /** One row per index entry (normalised here); entries beyond the products are augmented copies. */
  readonly semantic: readonly number[][];
  readonly visual: readonly number[][];
  /** Entry → product; defaults to one entry per product. */
  readonly entryProducts?: readonly number[];
  readonly prompts: { readonly categories: readonly string[]; readonly vectors: readonly number[][] };
  readonly search: SearchConfig;
  /** How alike the catalog's photos are (default: every photo reads as catalog-like). */
  readonly catalogLikeness?: CatalogLikeness;
}

/** An in-memory catalog with exact scopes, as openCatalog would assemble it from artifacts: for policy unit tests. */
export function toyCatalog(world: ToyWorld): SearchCatalog {
  const dim = world.semantic[0]!.length;
  const entryProducts = Uint32Array.from(world.entryProducts ?? world.products.keys());
  const semantic = matrixFromRows(world.semantic.map(normalize), dim);
  const visual = matrixFromRows(world.visual.map(normalize), world.visual[0]!.length);
  const categories = new Map<string, CategoryScope>();
  for (const name of new Set(world.products.map((p) => p.category))) {
    const rows = Uint32Array.from([...entryProducts.keys()].filter((e) => world.products[entryProducts[e]!]!.category === name));
    const products = world.products.filter((p) => p.category === name).length;
    categories.set(categoryKey(name), { record: { name, products, entries: rows.length, index: { kind: 'exact' } }, rows, ann: new ExactIndex(semantic, rows) });
  }
  const manifest = {
    counts: { products: world.products.length, entries: entryProducts.length, skipped: 0 },
    catalogIndex: { kind: 'exact' },
    models: { textSemantic: { spec: { logitScale: 30 } } },
    calibration: { semanticBaseline: 0.1, visualBaseline: 0.4, textPhotoBaseline: 0.1, textTextBaseline: 0.1, catalogLikeness: world.catalogLikeness ?? { sampled: 0, low: -1, typical: 1 } },
    search: world.search,
  } as unknown as ArtifactManifest;
  return {
    manifest,
    products: world.products,
    entryProducts,
    semantic,
    visual,
    catalogAnn: new ExactIndex(semantic, Uint32Array.from(entryProducts.keys())),
    categories,
    prompts: { categories: world.prompts.categories, vectors: matrixFromRows(world.prompts.vectors.map(normalize), dim) },
  };
}

/** The toy catalog as the search policy reads it. */
export function toySource(world: ToyWorld): CatalogSource {
  return catalogSource(toyCatalog(world));
}
