import type { EngineInfo, ImageEmbedding, SearchRequest, SearchResponse, ShardStats } from '../search/worker/api.js';

/** `window.__vitrine`: the calls the page makes, for tests and the curious (console). */
export interface VitrineHandle {
  /** Resolves when models and index are loaded and warmed up — by a replacement worker, after one was lost. */
  readonly ready: Promise<EngineInfo>;
  /** A photo; with `modifier` ("in blue"), the photo's query moved towards the words. */
  search(image: Blob, request?: SearchRequest, modifier?: string): Promise<SearchResponse>;
  /** Words alone (the text model loads on the first query with words). */
  searchText(text: string, request?: SearchRequest): Promise<SearchResponse>;
  embed(image: Blob): Promise<ImageEmbedding>;
  /** A compact catalog's shards: loads, evictions, bytes in memory and on the device; null for other catalogs. */
  shardStats(): Promise<ShardStats | null>;
}

declare global {
  interface Window {
    __vitrine: VitrineHandle;
  }
}
