/**
 * What the page may ask of the search worker (over Comlink), and what it hears back. Types only: the page imports
 * this file, never the worker's code.
 */
import type { FileProgress } from '../../assets/worker/file-cache.js';
import type { ImageEmbedding } from '../../models/shared/embed.js';
import type { SearchRequest } from '../shared/policy.js';
import type { SearchResponse } from '../shared/response.js';

export type { FileProgress, ImageEmbedding, SearchRequest, SearchResponse };

export type Backend = 'webgpu' | 'wasm';

/** Everything a photo search needs, bytes summed over files (`loaded` counts bytes already on this device too). */
export interface Overall {
  readonly loaded: number;
  readonly total: number;
  readonly files: number;
  readonly filesDone: number;
}

export type LoadEvent =
  | { readonly kind: 'file'; readonly file: FileProgress; readonly overall: Overall }
  | { readonly kind: 'warming-up' };

export interface EngineInfo {
  readonly backend: Backend;
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  readonly buildId: string;
  readonly products: number;
  readonly defaultTopK: number;
  /** Categories the catalog holds, alphabetical. */
  readonly categories: readonly string[];
  /** Categories the classifier knows but the catalog lacks (choosing one shows the strict "no match"). */
  readonly absentCategories: readonly string[];
  readonly files: { readonly fromCache: number; readonly fromNetwork: number; readonly bytesDownloaded: number; readonly notCached: readonly string[] };
  readonly timings: { readonly loadMs: number; readonly warmUpMs: number };
}

export interface SearchWorkerApi {
  /**
   * Downloads (or reads from IndexedDB) the models and index, opens them and runs a warm-up search. `dataBase` is
   * the URL under which `artifacts/`, `models/` and `catalog/` are served. Calling it again returns the same load.
   */
  load(dataBase: string, onEvent: (event: LoadEvent) => void): Promise<EngineInfo>;
  /** The same JSON response as `npm run search`; unreadable photos and failures come back as `status: "error"`. */
  search(image: Blob, request: SearchRequest): Promise<SearchResponse>;
  /** A photo's unit semantic and visual embeddings (for parity checks against the Node build). */
  embed(image: Blob): Promise<ImageEmbedding>;
}
