import { categoryKey } from '../../catalog/shared/taxonomy.js';
import { dot } from '../../vectors/shared/vector.js';
import type { CategoryScope, SearchCatalog } from './catalog.js';
import { predictCategory } from './classify.js';
import { validateSearchConfig, type FusionMode, type SearchConfig } from './config.js';
import { dedupeByProduct, fuse, type Candidate, type FusionWeights } from './fusion.js';
import type { CategoryGuess, SearchResponse, SearchResult } from './response.js';

export interface SearchRequest {
  /** A category the shopper picked: strict. Absent, empty or "auto": the category is detected. */
  readonly category?: string | null;
  readonly topK?: number;
  readonly fusion?: FusionMode;
  readonly weights?: FusionWeights;
}

/** A photo's embeddings, unit length. */
export interface QueryVectors {
  readonly semantic: Float32Array;
  readonly visual: Float32Array;
}

const GUESSES_SHOWN = 3;

export function isAutoDetect(category: string | null | undefined): boolean {
  return category === undefined || category === null || category.trim() === '' || categoryKey(category) === 'auto';
}

function scopeOf(catalog: SearchCatalog): Pick<CategoryScope, 'rows' | 'ann'> & { exact: boolean } {
  return {
    rows: Uint32Array.from({ length: catalog.manifest.counts.entries }, (_, i) => i),
    ann: catalog.catalogAnn,
    exact: catalog.manifest.catalogIndex.kind === 'exact',
  };
}

function candidatesIn(
  catalog: SearchCatalog,
  scope: { rows: Uint32Array; ann: CategoryScope['ann']; exact: boolean },
  query: QueryVectors,
  config: SearchConfig,
): Candidate[] {
  // Exact scopes are scored whole; graph scopes give the semantic nearest neighbours to re-rank exactly.
  const entries = scope.exact ? scope.rows : scope.ann.search(query.semantic, config.candidates).ids;
  return Array.from(entries, (entry) => ({
    entry,
    semantic: dot(query.semantic, catalog.semantic.data, entry * catalog.semantic.dim),
    visual: dot(query.visual, catalog.visual.data, entry * catalog.visual.dim),
  }));
}

function rank(
  catalog: SearchCatalog,
  scope: { rows: Uint32Array; ann: CategoryScope['ann']; exact: boolean },
  query: QueryVectors,
  config: SearchConfig,
  mode: FusionMode,
  weights: FusionWeights,
): SearchResult[] {
  const scored = fuse(candidatesIn(catalog, scope, query, config), mode, weights, {
    rrfK: config.rrfK,
    calibration: config.calibrate ? catalog.manifest.calibration : null,
  });
  return dedupeByProduct(scored, catalog.entryProducts)
    .slice(0, config.topK)
    .map((c, i) => {
      const p = catalog.products[catalog.entryProducts[c.entry]!]!;
      return {
        rank: i + 1,
        id: p.id,
        filename: p.filename,
        product_image: p.image,
        name: p.name,
        category: p.category,
        color: p.color,
        predicted_color: p.predictedColor,
        score: c.score,
        similarity_score: c.similarity,
        semantic_similarity: c.semantic,
        visual_similarity: c.visual,
      };
    });
}

function checkQuery(catalog: SearchCatalog, query: QueryVectors): void {
  if (query.semantic.length !== catalog.semantic.dim || query.visual.length !== catalog.visual.dim) {
    throw new Error(
      `query vectors are ${query.semantic.length}/${query.visual.length}-d, the index holds ${catalog.semantic.dim}/${catalog.visual.dim}-d`,
    );
  }
}

/**
 * The search policy of the v4.1 reference, made strict where it guessed:
 * - a category the shopper picked is searched alone; one the catalog lacks gives `no_match`, never other products;
 * - auto-detect searches the predicted category;
 * - below the confidence threshold the whole catalog is searched and the status is `needs_confirmation`;
 * - a confidently predicted category the catalog lacks falls back to the whole catalog by the semantic vector.
 */
export function searchCatalog(catalog: SearchCatalog, query: QueryVectors, request: SearchRequest = {}): SearchResponse {
  checkQuery(catalog, query);
  const config = validateSearchConfig({
    ...catalog.manifest.search,
    ...(request.topK !== undefined && { topK: request.topK }),
    ...(request.fusion !== undefined && { fusion: request.fusion }),
    ...(request.weights !== undefined && { weights: request.weights }),
  });
  const guesses = predictCategory(catalog, query.semantic, config);
  const best = guesses[0]!;
  const respond = (
    status: SearchResponse['status'],
    category_used: string | null,
    confidence: number,
    message: string,
    results: SearchResult[],
    fusion: SearchResponse['fusion'] = config.fusion,
  ): SearchResponse => ({
    status,
    category_used,
    confidence,
    message,
    results,
    predicted_category: best.category,
    category_candidates: guesses.slice(0, GUESSES_SHOWN),
    fusion,
  });

  if (!isAutoDetect(request.category)) {
    const wanted = request.category!.trim();
    const guess: CategoryGuess | undefined = guesses.find((g) => categoryKey(g.category) === categoryKey(wanted));
    const scope = catalog.categories.get(categoryKey(wanted));
    const name = scope?.record.name ?? guess?.category ?? wanted;
    const confidence = guess?.confidence ?? 0;
    if (!scope) {
      return respond('no_match', name, confidence, `No ${name} in this catalog`, []);
    }
    const results = rank(catalog, { ...scope, exact: scope.record.index.kind === 'exact' }, query, config, config.fusion, config.weights);
    return respond('success', name, confidence, `Found in ${name}`, results);
  }

  if (best.confidence < config.confidenceThreshold) {
    const results = rank(catalog, scopeOf(catalog), query, config, config.fusion, config.weights);
    return respond(
      'needs_confirmation',
      null,
      best.confidence,
      `We aren't sure what this is — here are visual matches (best guess: ${best.category})`,
      results,
    );
  }

  const scope = catalog.categories.get(categoryKey(best.category));
  if (!scope) {
    const results = rank(catalog, scopeOf(catalog), query, config, 'weighted', { semantic: 1, visual: 0 });
    return respond('fallback', null, best.confidence, `${best.category} not in stock — showing closest items`, results, 'semantic');
  }
  const results = rank(catalog, { ...scope, exact: scope.record.index.kind === 'exact' }, query, config, config.fusion, config.weights);
  return respond('success', scope.record.name, best.confidence, `Found in ${scope.record.name}`, results);
}
