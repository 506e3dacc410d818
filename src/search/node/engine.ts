import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { loadModelsConfig } from '../../assets/node/config.js';
import { ASSETS_DIR } from '../../assets/node/paths.js';
import { decodeImage, ImageDecodeError } from '../../imaging/node/decode.js';
import { openCatalogDir, sha256Hex } from '../../index/node/artifacts.js';
import type { EncoderRecord } from '../../index/shared/format.js';
import { embedImages, type ImageEmbedders } from '../../models/shared/embed.js';
import { ImageEmbedder } from '../../models/shared/embedders.js';
import type { ImageEncoderSpec } from '../../models/shared/manifest.js';
import { modelFilePath } from '../../models/node/load.js';
import type { SearchCatalog } from '../shared/catalog.js';
import { searchCatalog, type SearchRequest } from '../shared/policy.js';
import { assertJsonSafe, errorResponse, type SearchResponse } from '../shared/response.js';

/** The model file the index was built with, refused if the local copy differs (its vectors would not match). */
async function loadRecordedEmbedder(record: EncoderRecord<ImageEncoderSpec>, assetsDir: string, threads: number): Promise<ImageEmbedder> {
  const config = loadModelsConfig();
  if (!config.models[record.model]) throw new Error(`the index was built with model "${record.model}", which config/models.json does not define`);
  const path = modelFilePath(config, record.model, record.spec.file, assetsDir);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new Error(`model file ${path} is missing — run: npm run setup`);
  }
  const pinned = record.files[record.spec.file]!;
  if (sha256Hex(bytes) !== pinned.sha256) {
    throw new Error(`${path} is not the model file this index was built with (checksum differs); rebuild the index or re-run setup`);
  }
  return ImageEmbedder.load(ort, bytes, record.spec, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/** The search engine in Node: the same shared policy the page's worker runs, on onnxruntime-node. */
export class NodeSearchEngine {
  private constructor(
    readonly catalog: SearchCatalog,
    private readonly embedders: ImageEmbedders,
  ) {}

  static async open(artifactsDir: string, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<NodeSearchEngine> {
    const catalog = await openCatalogDir(artifactsDir);
    const { models } = catalog.manifest;
    const embedders = {
      imageSemantic: await loadRecordedEmbedder(models.imageSemantic, assetsDir, threads),
      visual: await loadRecordedEmbedder(models.visual, assetsDir, threads),
    };
    return new NodeSearchEngine(catalog, embedders);
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
