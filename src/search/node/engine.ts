import { ASSETS_DIR } from '../../common/node/paths.js';
import { decodeImage, ImageDecodeError } from '../../imaging/node/decode.js';
import { folderReader } from '../../artifacts/node/read.js';
import { openCatalogDir } from './catalog.js';
import { embedImages, type ImageEmbedders } from '../../models/shared/embed.js';
import { loadIndexEmbedders, loadIndexTextEmbedder } from '../../models/node/load.js';
import type { TextEmbedder } from '../../models/shared/embedders.js';
import { normalize, type Matrix } from '../../vectors/shared/vector.js';
import { readProductTexts, type SearchCatalog } from '../shared/catalog.js';
import { searchCatalog, searchCatalogByText, type SearchRequest } from '../shared/policy.js';
import { assertJsonSafe, errorResponse, type SearchResponse } from '../shared/response.js';

/** The search engine in Node: the same shared policy the page's worker runs, on onnxruntime-node. */
export class NodeSearchEngine {
  /** Loaded on the first text query: photo search needs neither the text tower nor the product-name vectors. */
  private textSide: Promise<{ embedder: TextEmbedder; productTexts: Matrix }> | null = null;

  private constructor(
    readonly catalog: SearchCatalog,
    private readonly embedders: ImageEmbedders,
    private readonly artifactsDir: string,
    private readonly options: { assetsDir: string; threads: number },
  ) {}

  static async open(artifactsDir: string, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    const catalog = await openCatalogDir(artifactsDir);
    return new NodeSearchEngine(catalog, await loadIndexEmbedders(catalog.manifest.models, { assetsDir, threads }), artifactsDir, { assetsDir, threads });
  }

  private async embedText(text: string): Promise<{ vector: Float32Array; productTexts: Matrix }> {
    this.textSide ??= (async () => ({
      embedder: await loadIndexTextEmbedder(this.catalog.manifest.models, this.options),
      productTexts: await readProductTexts(this.catalog.manifest, folderReader(this.artifactsDir)),
    }))();
    const { embedder, productTexts } = await this.textSide;
    const [vector] = await embedder.embed([text]);
    return { vector: normalize(vector!), productTexts };
  }

  /**
   * Image file bytes → the JSON response; with `modifier` ("in blue"), the photo's query is moved towards the text.
   * Unreadable input becomes `status: "error"`, not an exception.
   */
  async search(bytes: Uint8Array, request: SearchRequest = {}, label = 'image', modifier?: string): Promise<SearchResponse> {
    let image;
    try {
      image = await decodeImage(bytes, label);
    } catch (error) {
      if (error instanceof ImageDecodeError) return errorResponse(error.message);
      throw error;
    }
    const [photo] = await embedImages(this.embedders, [image], this.catalog.manifest.index.framing);
    const query = modifier?.trim() ? { ...photo!, modifier: (await this.embedText(modifier)).vector } : photo!;
    const response = searchCatalog(this.catalog, query, request);
    assertJsonSafe(response);
    return response;
  }

  /** A typed query → the JSON response. */
  async searchText(text: string, request: SearchRequest = {}): Promise<SearchResponse> {
    if (text.trim() === '') return errorResponse('type what you are looking for');
    const { vector, productTexts } = await this.embedText(text);
    const response = searchCatalogByText(this.catalog, productTexts, { text, vector }, request);
    assertJsonSafe(response);
    return response;
  }
}
