import { describe, expect, it } from 'vitest';
import { TOY_SEARCH_CONFIG, toyCatalog, toyProduct, toySource } from './helpers/toy-catalog.js';
import { matrixFromRows, normalize } from '../src/vectors/shared/vector.js';
import { catalogSource, type CatalogSource } from '../src/search/shared/source.js';
import type { SearchConfig } from '../src/artifacts/shared/config.js';
import { searchCatalog, searchCatalogByText, type QueryVectors } from '../src/search/shared/policy.js';
import { assertJsonSafe } from '../src/search/shared/response.js';

// A 4-d toy world: axis 0 = shirts, axis 1 = jeans, axis 2 = watches (a category this shop lacks).
const SHIRT = [1, 0, 0, 0];
const JEANS = [0, 1, 0, 0];
const WATCH = [0, 0, 1, 0];

const config: SearchConfig = TOY_SEARCH_CONFIG;

function catalog(searchConfig: SearchConfig = config): CatalogSource {
  const v = (base: number[], wobble: number) => base.map((x, i) => x + (i === 3 ? wobble : 0));
  return toySource({
    products: [toyProduct('s1', 'Shirts'), toyProduct('s2', 'Shirts'), toyProduct('j1', 'Jeans'), toyProduct('j2', 'Jeans')],
    // Entries 0-3 are the products; 4-5 are augmented copies of s1 and j1 (as a build with --augment writes them).
    semantic: [v(SHIRT, 0.1), v(SHIRT, 0.3), v(JEANS, 0.1), v(JEANS, 0.3), v(SHIRT, 0.12), v(JEANS, 0.12)],
    visual: [v(SHIRT, 0.2), v(SHIRT, 0.1), v(JEANS, 0.2), v(JEANS, 0.1), v(SHIRT, 0.21), v(JEANS, 0.21)],
    entryProducts: [0, 1, 2, 3, 0, 2],
    prompts: { categories: ['Shirts', 'Jeans', 'Watches'], vectors: [SHIRT, JEANS, WATCH] },
    search: searchConfig,
  });
}

const query = (semantic: number[], visual: number[] = semantic): QueryVectors => ({ semantic: normalize(semantic), visual: normalize(visual) });

describe('search policy', () => {
  it('auto-detect searches the predicted category only', async () => {
    const r = await searchCatalog(catalog(), query([1, 0.05, 0, 0.1]));
    expect(r.status).toBe('success');
    expect(r.category_used).toBe('Shirts');
    expect(r.message).toBe('Found in Shirts');
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.results.map((x) => x.category)).toEqual(['Shirts', 'Shirts']);
    expect(r.results[0]!.id).toBe('s1');
  });

  it('de-duplicates augmented copies: one card per product', async () => {
    const r = await searchCatalog(catalog(), query([1, 0, 0, 0.11]), { category: 'Shirts' });
    expect(r.results.map((x) => x.id)).toEqual(['s1', 's2']);
    expect(new Set(r.results.map((x) => x.id)).size).toBe(r.results.length);
  });

  it('a user-chosen category is strict: searched even when the photo looks like something else', async () => {
    const r = await searchCatalog(catalog(), query(SHIRT), { category: 'jeans' });
    expect(r.status).toBe('success');
    expect(r.category_used).toBe('Jeans');
    expect(r.results.map((x) => x.category)).toEqual(['Jeans', 'Jeans']);
  });

  it('a user-chosen category the catalog lacks gives no_match and no products, whatever the photo', async () => {
    for (const wanted of ['Watches', 'Kimono']) {
      const r = await searchCatalog(catalog(), query(WATCH), { category: wanted });
      expect(r.status).toBe('no_match');
      expect(r.results).toEqual([]);
      expect(r.message).toBe(`No ${wanted} in this catalog`);
      expect(r.category_used).toBe(wanted);
    }
  });

  it('low confidence searches the whole catalog and asks for confirmation', async () => {
    const r = await searchCatalog(catalog(), query([1, 1, 0, 0]));
    expect(r.status).toBe('needs_confirmation');
    expect(r.category_used).toBeNull();
    expect(r.confidence).toBeLessThan(config.confidenceThreshold);
    expect(new Set(r.results.map((x) => x.category))).toEqual(new Set(['Shirts', 'Jeans']));
    expect(r.category_candidates.map((g) => g.category).slice(0, 2).sort()).toEqual(['Jeans', 'Shirts']);
  });

  it('the threshold is configuration: the same photo is confident under a lower one', async () => {
    const r = await searchCatalog(catalog({ ...config, confidenceThreshold: 0.2 }), query([1, 1, 0, 0]));
    expect(r.status).toBe('success');
  });

  it('a confidently predicted category that is out of stock falls back to the whole catalog by the semantic vector', async () => {
    // Semantically closer to shirts, visually (falsely) identical to jeans: a semantic fallback ranks shirts first.
    const r = await searchCatalog(catalog(), query([0.2, 0, 1, 0.1], [0, 1, 0, 0.2]));
    expect(r.status).toBe('fallback');
    expect(r.predicted_category).toBe('Watches');
    expect(r.category_used).toBeNull();
    expect(r.message).toBe('Watches not in stock — showing closest items');
    expect(r.fusion).toBe('semantic');
    expect(r.results[0]!.category).toBe('Shirts');
    expect(r.results).toHaveLength(4);
    expect(r.results[0]!.score).toBeCloseTo(r.results[0]!.semantic_similarity, 12);
  });

  it('fusion can be switched to reciprocal rank fusion per request', async () => {
    const r = await searchCatalog(catalog(), query([1, 0, 0, 0.2], [1, 0, 0, 0.1]), { category: 'Shirts', fusion: 'rrf' });
    expect(r.fusion).toBe('rrf');
    expect(r.results[0]!.score).toBeLessThanOrEqual(1);
    expect(r.results[0]!.score).toBeGreaterThan(r.results[1]!.score);
  });

  it('top-k limits the results', async () => {
    const r = await searchCatalog(catalog(), query([1, 1, 0, 0]), { topK: 1 });
    expect(r.results).toHaveLength(1);
  });

  it('responses are plain JSON: they survive a JSON round trip unchanged', async () => {
    const r = await searchCatalog(catalog(), query([1, 0.05, 0, 0.1]));
    assertJsonSafe(r);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(Object.keys(r).slice(0, 5)).toEqual(['status', 'category_used', 'confidence', 'message', 'results']);
    expect(Object.keys(r.results[0]!)).toEqual(
      expect.arrayContaining(['filename', 'product_image', 'score', 'similarity_score', 'predicted_color', 'category']),
    );
  });

  it('refuses query vectors of another width than the index', async () => {
    await expect(searchCatalog(catalog(), { semantic: new Float32Array(8), visual: new Float32Array(4) })).rejects.toThrow(/8\/4-d/);
  });
});

describe('photo + words ("like this, but …")', () => {
  // Axis 3 is "blue": s2 is the blue shirt, j1 the blue jeans.
  const world = (searchConfig: SearchConfig = config) =>
    toySource({
      products: [toyProduct('s1', 'Shirts'), toyProduct('s2', 'Shirts'), toyProduct('j1', 'Jeans'), toyProduct('j2', 'Jeans')],
      semantic: [[1, 0, 0, 0], [1, 0, 0, 0.6], [0, 1, 0, 0.6], [0, 1, 0, 0]],
      visual: [[1, 0, 0, 0], [0.8, 0, 0, 0.2], [0, 1, 0, 0.2], [0, 1, 0, 0]],
      prompts: { categories: ['Shirts', 'Jeans', 'Watches'], vectors: [SHIRT, JEANS, WATCH] },
      search: searchConfig,
    });
  const redShirtPhoto = query([1, 0, 0, 0.05]);
  const blue = normalize([0, 0, 0, 1]);

  it('moves the ranking towards the words while the category still comes from the photo', async () => {
    const alone = await searchCatalog(world(), redShirtPhoto);
    expect(alone.results[0]!.id).toBe('s1');
    const composed = await searchCatalog(world(), { ...redShirtPhoto, modifier: blue });
    expect(composed.category_used).toBe('Shirts');
    expect(composed.fusion).toBe('composed');
    expect(composed.results.map((r) => r.id)).toEqual(['s2', 's1']);
  });

  it('the text weight is configuration: at 0 the words change nothing', async () => {
    const composed = await searchCatalog(world({ ...config, composeTextWeight: 0 }), { ...redShirtPhoto, modifier: blue });
    expect(composed.results[0]!.id).toBe('s1');
  });
});

describe('text queries', () => {
  const shop = toyCatalog({
    products: [toyProduct('s1', 'Shirts', 'red shirt'), toyProduct('s2', 'Shirts', 'blue shirt'), toyProduct('j1', 'Jeans', 'blue jeans')],
    semantic: [[1, 0, 0, 0], [1, 0, 0, 0.5], [0, 1, 0, 0.5]],
    visual: [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]],
    prompts: { categories: ['Shirts', 'Jeans', 'Watches'], vectors: [SHIRT, JEANS, WATCH] },
    search: config,
  });
  // Product-name embeddings (same 4-d space): the names agree with the photos.
  const names = matrixFromRows([normalize([1, 0, 0, 0]), normalize([1, 0, 0, 1]), normalize([0, 1, 0, 1])], 4);
  const text = (words: string, v: number[]) => ({ text: words, vector: normalize(v) });
  const source = catalogSource(shop, names);

  it('rank products by the words’ similarity to their photos and names, over the whole catalog', async () => {
    const r = await searchCatalogByText(source, text('blue shirt', [1, 0, 0, 1]));
    expect(r.status).toBe('success');
    expect(r.category_used).toBeNull();
    expect(r.fusion).toBe('text');
    expect(r.message).toBe('Results for “blue shirt”');
    expect(r.results.map((x) => x.id)).toEqual(['s2', 's1', 'j1']);
    expect(r.results[0]!.visual_similarity).toBeNull();
    expect(r.results[0]!.text_similarity).toBeCloseTo(1, 6);
    expect(r.predicted_category).toBe('Shirts');
    assertJsonSafe(r);
  });

  it('a category the shopper picked is strict for words too', async () => {
    expect((await searchCatalogByText(source, text('blue', [0, 0, 0, 1]), { category: 'Jeans' })).results.map((x) => x.id)).toEqual(['j1']);
    const none = await searchCatalogByText(source, text('blue', [0, 0, 0, 1]), { category: 'Watches' });
    expect(none.status).toBe('no_match');
    expect(none.results).toEqual([]);
  });

  it('empty words are an error response, not a search', async () => {
    expect((await searchCatalogByText(source, text('  ', [1, 0, 0, 0]))).status).toBe('error');
  });
});
