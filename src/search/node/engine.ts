import { folderReader } from '../../artifacts/node/read.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import { decodeForTowers } from '../../imaging/node/decode.js';
import { loadIndexEmbedders, loadIndexTextEmbedder } from '../../models/node/load.js';
import { readProductTexts } from '../shared/catalog.js';
import { SearchEngine } from '../shared/engine.js';
import { catalogSource } from '../shared/source.js';
import { openCatalogDir } from './catalog.js';

/** The search engine in Node (the CLI, the eval, the tests): the shared engine on onnxruntime-node and sharp. */
export class NodeSearchEngine extends SearchEngine<Uint8Array> {
  static async open(artifactsDir: string, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    const catalog = await openCatalogDir(artifactsDir);
    const embedders = await loadIndexEmbedders(catalog.manifest.models, { assetsDir, threads });
    return new NodeSearchEngine(catalogSource(catalog), catalog.manifest.index.framing, embedders, {
      decode: decodeForTowers,
      openText: async () => ({
        embedder: await loadIndexTextEmbedder(catalog.manifest.models, { assetsDir, threads }),
        source: catalogSource(catalog, await readProductTexts(catalog.manifest, folderReader(artifactsDir))),
      }),
    });
  }
}
