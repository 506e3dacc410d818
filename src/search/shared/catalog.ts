import { ExactIndex, type AnnIndex } from '../../ann/shared/ann.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import {
  ArtifactError,
  fileRecord,
  type ArtifactManifest,
  type CategoryRecord,
  type Product,
  type ReadArtifact,
  type ScopeIndex,
  type VectorSetRecord,
} from '../../artifacts/shared/format.js';
import { decodeMatrix } from '../../vectors/shared/codec.js';
import { normalize, row, type Matrix } from '../../vectors/shared/vector.js';

/** Opens an HNSW graph file for search; `rows` = every entry row it holds. */
export type OpenHnsw = (bytes: Uint8Array, dim: number, rows: number, efSearch: number) => Promise<AnnIndex>;

export interface CategoryScope {
  readonly record: CategoryRecord;
  readonly rows: Uint32Array;
  readonly ann: AnnIndex;
}

/** Everything a photo search needs, in memory: what Node's CLI, eval and build gates hold after loading artifacts. */
export interface SearchCatalog {
  readonly manifest: ArtifactManifest;
  readonly products: readonly Product[];
  readonly entryProducts: Uint32Array;
  readonly semantic: Matrix;
  readonly visual: Matrix;
  readonly catalogAnn: AnnIndex;
  readonly categories: ReadonlyMap<string, CategoryScope>;
  readonly prompts: { readonly categories: readonly string[]; readonly vectors: Matrix };
}

/** Decoded and renormalised: f16 and int8 storage perturb the norm, and every score here is a plain dot product. */
async function readUnitVectors(manifest: ArtifactManifest, record: VectorSetRecord, read: ReadArtifact): Promise<Matrix> {
  const bytes = await read(fileRecord(manifest, record.file));
  const m = decodeMatrix(bytes, record.encoding, record.rows, record.dim);
  for (let r = 0; r < m.rows; r++) m.data.set(normalize(row(m, r)), r * m.dim);
  return m;
}

/** The product-name embeddings, which only text queries need (photo search never downloads them). */
export function readProductTexts(manifest: ArtifactManifest, read: ReadArtifact): Promise<Matrix> {
  return readUnitVectors(manifest, manifest.vectors.text, read);
}

export function decodeEntryProducts(bytes: Uint8Array, entries: number, products: number): Uint32Array {
  if (bytes.byteLength !== entries * 4) throw new ArtifactError(`entry table holds ${bytes.byteLength} bytes, expected ${entries * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = new Uint32Array(entries);
  for (let i = 0; i < entries; i++) {
    const p = view.getUint32(i * 4, true);
    if (p >= products) throw new ArtifactError(`entry ${i} points at product ${p}, but there are ${products}`);
    table[i] = p;
  }
  return table;
}

export async function openCatalog(manifest: ArtifactManifest, read: ReadArtifact, openHnsw: OpenHnsw): Promise<SearchCatalog> {
  const decoder = new TextDecoder();
  const products = JSON.parse(decoder.decode(await read(fileRecord(manifest, manifest.products)))) as Product[];
  if (!Array.isArray(products) || products.length !== manifest.counts.products) {
    throw new ArtifactError(`products file lists ${Array.isArray(products) ? products.length : 'no'} products, manifest says ${manifest.counts.products}`);
  }
  const entryProducts = decodeEntryProducts(
    await read(fileRecord(manifest, manifest.entryProducts)),
    manifest.counts.entries,
    manifest.counts.products,
  );
  const semantic = await readUnitVectors(manifest, manifest.vectors.semantic, read);
  const visual = await readUnitVectors(manifest, manifest.vectors.visual, read);
  const promptVectors = await readUnitVectors(manifest, manifest.prompts.vectors, read);

  // hnswlib-wasm cannot load several graphs at once: open them one after another.
  const openScope = async (index: ScopeIndex, rows: Uint32Array): Promise<AnnIndex> => {
    if (index.kind === 'exact') return new ExactIndex(semantic, rows);
    return openHnsw(await read(fileRecord(manifest, index.file)), semantic.dim, rows.length, manifest.search.efSearch);
  };

  const allRows = Uint32Array.from({ length: manifest.counts.entries }, (_, i) => i);
  const catalogAnn = await openScope(manifest.catalogIndex, allRows);
  const rowsByCategory = new Map<string, number[]>();
  entryProducts.forEach((p, entry) => {
    const key = categoryKey(products[p]!.category);
    const rows = rowsByCategory.get(key) ?? [];
    rows.push(entry);
    rowsByCategory.set(key, rows);
  });
  const categories = new Map<string, CategoryScope>();
  for (const record of manifest.categories) {
    const rows = Uint32Array.from(rowsByCategory.get(categoryKey(record.name)) ?? []);
    if (rows.length !== record.entries) {
      throw new ArtifactError(`category "${record.name}" has ${rows.length} entries, the manifest says ${record.entries}`);
    }
    categories.set(categoryKey(record.name), { record, rows, ann: await openScope(record.index, rows) });
  }
  return {
    manifest,
    products,
    entryProducts,
    semantic,
    visual,
    catalogAnn,
    categories,
    prompts: { categories: manifest.prompts.categories, vectors: promptVectors },
  };
}
