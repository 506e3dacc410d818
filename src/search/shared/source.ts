import type { SearchConfig } from '../../artifacts/shared/config.js';
import type { ArtifactManifest, Product } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { dot, type Matrix } from '../../vectors/shared/vector.js';
import type { SearchCatalog } from './catalog.js';
import type { Candidate } from './fusion.js';

/**
 * Where the search policy gets its candidates from. The policy (classification, confidence, fusion, dedup,
 * response) is one piece of shared code; what holds the catalog varies: the artifacts in memory (the CLI, the
 * page), and whatever else can answer these two questions — the nearest products to a photo, and a scope's
 * candidates with both similarities computed exactly.
 */
export interface CatalogSource {
  readonly info: CatalogInfo;
  /**
   * The `products` nearest products to a semantic vector in the whole catalog, one entry each, best first: a text
   * query's category votes (a photo's come from its whole-catalog candidates, which also carry the visual similarity).
   */
  neighbours(semantic: Float32Array, products: number): Promise<Neighbour[]>;
  /** A scope's candidates for a query, each with its product and both similarities. */
  candidates(query: CandidateQuery): Promise<SourceCandidate[]>;
}

/** What the policy needs to know of a catalog before any search: small, loaded once. */
export interface CatalogInfo {
  /** The index's search parameters (a request may override some). */
  readonly search: SearchConfig;
  readonly calibration: ArtifactManifest['calibration'];
  /** CLIP's logit scale, for zero-shot category prompts. */
  readonly logitScale: number;
  /** The classifier's labels (the catalog's categories and well-known ones it lacks) and their prompt embeddings. */
  readonly prompts: { readonly categories: readonly string[]; readonly vectors: Matrix };
  /** The categories the catalog holds: category key → the name it shows. */
  readonly categories: ReadonlyMap<string, string>;
  /** Index entries per product (1 + augmented copies). */
  readonly entriesPerProduct: number;
  readonly dims: { readonly semantic: number; readonly visual: number };
}

export interface Neighbour {
  readonly category: string;
  readonly score: number;
}

/** The second signal fused with the semantic one: a photo's CNN vector, or (words) the product names' vectors. */
export type SecondSignal = { readonly space: 'visual'; readonly vector: Float32Array } | { readonly space: 'text' };

export interface CandidateQuery {
  /** A category key (one of `info.categories`), or null for the whole catalog. */
  readonly scope: string | null;
  /** The semantic-space vector candidates are found by, and their first similarity. */
  readonly probe: Float32Array;
  /** How many candidates a graph scope returns (exact scopes return all their entries). */
  readonly limit: number;
  readonly second: SecondSignal;
}

/** `semantic`: cosine of the probe and the product photo; `visual`: of the second signal (CNN, or product name). */
export interface SourceCandidate extends Candidate {
  readonly product: Product;
}

/** The catalog's artifacts in memory: every vector and graph loaded (the CLI, the eval, the build's gates, the page). */
export function catalogSource(catalog: SearchCatalog, productTexts: Matrix | null = null): CatalogSource {
  const { manifest } = catalog;
  const info: CatalogInfo = {
    search: manifest.search,
    calibration: manifest.calibration,
    logitScale: manifest.models.textSemantic.spec.logitScale,
    prompts: catalog.prompts,
    categories: new Map([...catalog.categories].map(([key, scope]) => [key, scope.record.name])),
    entriesPerProduct: Math.ceil(manifest.counts.entries / manifest.counts.products),
    dims: { semantic: catalog.semantic.dim, visual: catalog.visual.dim },
  };
  const allRows = Uint32Array.from({ length: manifest.counts.entries }, (_, i) => i);
  const scopeOf = (key: string | null) => {
    if (key === null) return { rows: allRows, ann: catalog.catalogAnn, exact: manifest.catalogIndex.kind === 'exact' };
    const scope = catalog.categories.get(key);
    if (!scope) throw new Error(`the catalog has no category "${key}"`);
    return { rows: scope.rows, ann: scope.ann, exact: scope.record.index.kind === 'exact' };
  };
  /** The second similarity of an entry: to the photo's CNN vector, or (words) of the probe to the product's name. */
  const secondScore = (second: SecondSignal, probe: Float32Array): ((entry: number) => number) => {
    if (second.space === 'visual') return (entry) => dot(second.vector, catalog.visual.data, entry * catalog.visual.dim);
    if (!productTexts) throw new Error('the product-name vectors are not loaded: words need the text side');
    const texts = productTexts;
    return (entry) => dot(probe, texts.data, catalog.entryProducts[entry]! * texts.dim);
  };
  return {
    info,
    async neighbours(semantic, products) {
      // One vote per product: augmented copies of a product must not count several times.
      const found = catalog.catalogAnn.search(semantic, products * info.entriesPerProduct);
      const seen = new Set<number>();
      const nearest: Neighbour[] = [];
      found.ids.forEach((entry, i) => {
        const product = catalog.entryProducts[entry]!;
        if (seen.has(product) || nearest.length >= products) return;
        seen.add(product);
        nearest.push({ category: catalog.products[product]!.category, score: found.scores[i]! });
      });
      return nearest;
    },
    async candidates({ scope, probe, limit, second }) {
      const { rows, ann, exact } = scopeOf(scope);
      // Exact scopes are scored whole; graph scopes give the semantic nearest neighbours of the probe.
      const entries = exact ? rows : ann.search(probe, limit).ids;
      const score = secondScore(second, probe);
      return Array.from(entries, (entry) => ({
        entry,
        product: catalog.products[catalog.entryProducts[entry]!]!,
        semantic: dot(probe, catalog.semantic.data, entry * catalog.semantic.dim),
        visual: score(entry),
      }));
    },
  };
}
