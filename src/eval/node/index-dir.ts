import { isCompactManifest } from '../../artifacts/shared/compact.js';
import { readManifestJson } from '../../artifacts/node/read.js';
import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { openCatalogDir } from '../../search/node/catalog.js';
import { openCompactDir } from '../../search/node/compact.js';
import { evalCatalog, type EvalCatalog } from '../shared/evaluate.js';

/** A built index of either layout, as the eval reads it: the catalog, and what its query photos are embedded with. */
export interface EvalIndex {
  readonly catalog: EvalCatalog;
  readonly models: ArtifactManifest['models'];
  readonly framing: Framing;
  readonly buildId: string;
  readonly categories: number;
}

/** Today's layout (npm run build:index), or the compact one (npm run build:scale), all of it held in memory. */
export async function openEvalIndex(dir: string): Promise<EvalIndex> {
  const json = await readManifestJson(dir);
  if (isCompactManifest(json)) {
    const { manifest, source, store } = await openCompactDir(dir, Infinity);
    // Every cell loaded (and held, for the searches that follow) for the products' ids and categories: the judge
    // counts each label's products.
    const products = await Promise.all(manifest.cells.map(async (cell, i) => (await store.cell(i)).products.map((p) => ({ id: p.id, category: cell.category }))));
    return { catalog: { source, products: products.flat() }, models: manifest.models, framing: manifest.framing, buildId: manifest.buildId, categories: manifest.categories.length };
  }
  const catalog = await openCatalogDir(dir);
  const { manifest } = catalog;
  return { catalog: evalCatalog(catalog), models: manifest.models, framing: manifest.index.framing, buildId: manifest.buildId, categories: manifest.categories.length };
}
