/**
 * What the page may ask of the search worker (over Comlink), and what it hears back. Types only: the page imports
 * this file, never the worker's code.
 */
import type { FileProgress } from '../../assets/browser/download.js';
import type { StoredShards } from '../../assets/browser/file-cache.js';
import type { DownloadSummary, Overall } from '../../assets/worker/download-queue.js';
import type { ImageEmbedding } from '../../models/shared/embed.js';
import type { Backend } from '../../models/shared/embedders.js';
import type { CellCacheStats } from '../shared/compact-source.js';
import type { Scoring } from '../shared/scoring.js';
import type { ShardBudgets } from '../shared/shard-budgets.js';
import type { SearchRequest } from '../shared/policy.js';
import type { SearchResponse } from '../shared/response.js';

export type { FileProgress, ImageEmbedding, Overall, SearchRequest, SearchResponse, ShardBudgets };

/**
 * What a download belongs to: what every search needs (at start), what only words need (on the first of them), or
 * a shard of a compact catalog that a search needs now.
 */
export type LoadPart = 'engine' | 'text' | 'shard';

export type LoadEvent =
  | { readonly kind: 'file'; readonly part: LoadPart; readonly file: FileProgress; readonly overall: Overall }
  | { readonly kind: 'warming-up' }
  /** Sent as soon as the manifest says so, before any model downloads: searches will go to this API. */
  | { readonly kind: 'remote'; readonly api: string };

/** The text side (CLIP text encoder, tokenizer, product-name vectors), loaded on the first query with words. */
export interface TextModelInfo extends DownloadSummary {
  readonly notCached: readonly string[];
  readonly loadMs: number;
}

/** A compact catalog's shards since the worker loaded it. */
export interface ShardStats {
  /** Shards the catalog has. */
  readonly shards: number;
  readonly budgets: ShardBudgets;
  /** Decoded shards held in the worker's memory. */
  readonly memory: CellCacheStats;
  /** Shards stored in IndexedDB (by this visit and earlier ones). */
  readonly stored: StoredShards;
  /** Where the shards this worker opened came from. */
  readonly fetched: DownloadSummary;
}

/** What `saveForOffline` put on this device: every shard of the catalog, and the product photos it shows. */
export interface OfflineCatalog {
  readonly shards: number;
  readonly bytes: number;
  /** Product photos, as paths under `catalog/`. */
  readonly images: readonly string[];
}

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
  /** How this index turns similarities into scores, so the page can say why a result is where it is. */
  readonly scoring: Scoring;
  readonly files: DownloadSummary & {
    /** "path (could not cache: why)" for each file the browser would not store (quota, private mode). */
    readonly notCached: readonly string[];
  };
  readonly timings: { readonly loadMs: number; readonly warmUpMs: number };
  /**
   * Remote mode (the deployment's manifest says so): the shop's search API that the query vectors are sent to,
   * as a URL; null when the catalog is searched on this device.
   */
  readonly remote: string | null;
  /** A compact catalog, loaded shard by shard as searches need them: its shard count and budgets; null otherwise. */
  readonly shards: { readonly count: number; readonly budgets: ShardBudgets } | null;
}

export interface SearchWorkerApi {
  /**
   * Downloads (or reads from IndexedDB) the models and the catalog's router, opens them and warms the towers up. `dataBase` is
   * the URL under which `artifacts/`, `models/` and `catalog/` are served; `budgets` override the default shard
   * budgets of a compact catalog. Calling it again returns the same load.
   */
  load(dataBase: string, onEvent: (event: LoadEvent) => void, budgets?: Partial<ShardBudgets>): Promise<EngineInfo>;
  /** A compact catalog's shard figures (loads, evictions, bytes held and stored); null for other catalogs. */
  shardStats(): Promise<ShardStats | null>;
  /**
   * Stores every shard of the catalog on this device (those already there are read back), so that it searches
   * offline; rejects with why when it cannot (a remote catalog, shards over the storage budget, storage refused).
   */
  saveForOffline(onProgress: (done: number, total: number) => void): Promise<OfflineCatalog>;
  /**
   * The same JSON response as `npm run search`; unreadable photos and failures come back as `status: "error"`. With
   * `modifier` ("in blue") the photo's query moves towards the words (loads the text side first if need be).
   */
  search(image: Blob, request: SearchRequest, modifier?: string): Promise<SearchResponse>;
  /** Words alone, as `npm run search -- --text`. */
  searchText(text: string, request: SearchRequest): Promise<SearchResponse>;
  /**
   * Downloads (or reads from IndexedDB) and opens the text side, reporting progress as `part: "text"` events. Photo
   * search never needs it; calling it again returns the same load.
   */
  loadText(onEvent: (event: LoadEvent) => void): Promise<TextModelInfo>;
  /** A photo's unit semantic and visual embeddings (for parity checks against the Node build). */
  embed(image: Blob): Promise<ImageEmbedding>;
  /**
   * Takes the Web Lock `name` and holds it for as long as this worker lives; resolves once it is held (false where
   * the browser has no Web Locks). The page then asks for the same lock: it is granted the moment the worker ends,
   * however it ends (crash, out of memory, closed), which is how the page notices a dead worker at once.
   */
  holdLifeline(name: string): Promise<boolean>;
  /** Answers at once: the page's check, while a call is pending, that the worker is still responsive. */
  ping(): Promise<true>;
}
