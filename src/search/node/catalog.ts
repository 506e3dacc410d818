import { openHnsw } from '../../ann/node/env.js';
import { folderReader, readManifest } from '../../artifacts/node/read.js';
import { openCatalog, type SearchCatalog } from '../shared/catalog.js';

/** The artifact set in a folder, opened for search as the CLI, the eval and the build's gates read it. */
export async function openCatalogDir(dir: string): Promise<SearchCatalog> {
  const manifest = await readManifest(dir);
  return openCatalog(manifest, folderReader(dir), openHnsw);
}
