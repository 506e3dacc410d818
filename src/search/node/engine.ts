import { ASSETS_DIR } from '../../assets/node/paths.js';
import { decodeImage, ImageDecodeError } from '../../imaging/node/decode.js';
import { openCatalogDir } from '../../index/node/artifacts.js';
import { embedImages, type ImageEmbedders } from '../../models/shared/embed.js';
import { loadIndexEmbedders } from '../../models/node/load.js';
import type { SearchCatalog } from '../shared/catalog.js';
import { searchCatalog, type SearchRequest } from '../shared/policy.js';
import { assertJsonSafe, errorResponse, type SearchResponse } from '../shared/response.js';

/** The search engine in Node: the same shared policy the page's worker runs, on onnxruntime-node. */
export class NodeSearchEngine {
  private constructor(
    readonly catalog: SearchCatalog,
    private readonly embedders: ImageEmbedders,
  ) {}

  static async open(artifactsDir: string, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    const catalog = await openCatalogDir(artifactsDir);
    return new NodeSearchEngine(catalog, await loadIndexEmbedders(catalog.manifest, { assetsDir, threads }));
  }

  /** Image file bytes → the JSON response. Unreadable input becomes `status: "error"`, not an exception. */
  async search(bytes: Uint8Array, request: SearchRequest = {}, label = 'image'): Promise<SearchResponse> {
    let image;
    try {
      image = await decodeImage(bytes, label);
    } catch (error) {
      if (error instanceof ImageDecodeError) return errorResponse(error.message);
      throw error;
    }
    const [query] = await embedImages(this.embedders, [image], this.catalog.manifest.index.framing);
    const response = searchCatalog(this.catalog, query!, request);
    assertJsonSafe(response);
    return response;
  }
}
