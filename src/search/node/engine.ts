import { folderReader, readManifestJson } from '../../artifacts/node/read.js';
import { isCompactManifest } from '../../artifacts/shared/compact.js';
import { MANIFEST_FILE, validateManifest, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import { decodeForTowers } from '../../imaging/node/decode.js';
import { loadIndexEmbedders, loadIndexTextEmbedder } from '../../models/node/load.js';
import { readProductTexts } from '../shared/catalog.js';
import { policyAnswerer, SearchEngine } from '../shared/engine.js';
import { catalogSource } from '../shared/source.js';
import { apiAnswerer } from '../shared/wire.js';
import { openCatalogDir } from './catalog.js';
import { openCompactDir } from './compact.js';

/** The search engine in Node (the CLI, the eval, the tests): the shared engine on onnxruntime-node and sharp. */
export class NodeSearchEngine extends SearchEngine<Uint8Array> {
  static async open(artifactsDir: string, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    if (isCompactManifest(await readManifestJson(artifactsDir))) {
      // A compact catalog (npm run build:scale): cells read from the folder as searches need them; names are in the cells.
      const { manifest, source } = await openCompactDir(artifactsDir);
      const answerer = policyAnswerer(source);
      return new NodeSearchEngine(answerer, manifest.framing, await loadIndexEmbedders(manifest.models, { assetsDir, threads }), {
        decode: decodeForTowers,
        openText: async () => ({ embedder: await loadIndexTextEmbedder(manifest.models, { assetsDir, threads }), answerer }),
      });
    }
    const catalog = await openCatalogDir(artifactsDir);
    const embedders = await loadIndexEmbedders(catalog.manifest.models, { assetsDir, threads });
    return new NodeSearchEngine(policyAnswerer(catalogSource(catalog)), catalog.manifest.index.framing, embedders, {
      decode: decodeForTowers,
      openText: async () => ({
        embedder: await loadIndexTextEmbedder(catalog.manifest.models, { assetsDir, threads }),
        answerer: policyAnswerer(catalogSource(catalog, await readProductTexts(catalog.manifest, folderReader(artifactsDir)))),
      }),
    });
  }

  /**
   * A deployment in remote mode (`npm run serve`) at `server`: its manifest names the models, which embed here
   * (from assets/), and its search API answers the query vectors, as the page in remote mode does.
   */
  static async openRemote(server: URL, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    const manifest = await fetchServedManifest(server);
    if (!manifest.remote) throw new Error(`${server.href} serves a static catalog, not a search API: search it with --artifacts`);
    const answerer = apiAnswerer(new URL(manifest.remote.api, server));
    const embedders = await loadIndexEmbedders(manifest.models, { assetsDir, threads });
    return new NodeSearchEngine(answerer, manifest.index.framing, embedders, {
      decode: decodeForTowers,
      openText: async () => ({ embedder: await loadIndexTextEmbedder(manifest.models, { assetsDir, threads }), answerer }),
    });
  }
}

async function fetchServedManifest(server: URL): Promise<ArtifactManifest> {
  const url = new URL(`artifacts/${MANIFEST_FILE}`, server);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`cannot reach ${url.href}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status} — is it a Vitrine deployment?`);
  return validateManifest(await response.json());
}
