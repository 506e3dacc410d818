/**
 * The search worker: everything heavy (download, decode, inference, search) runs here, off the page's main thread.
 * The page talks to it only through Comlink (src/search/worker/api.ts).
 */
import { expose } from 'comlink';
import type { EngineInfo, LoadEvent, OfflineCatalog, SearchWorkerApi, ShardBudgets, ShardStats, TextModelInfo } from '../src/search/worker/api.js';
import { WorkerSearchEngine } from '../src/search/worker/engine.js';
import type { SearchRequest } from '../src/search/shared/policy.js';
import { errorResponse, type SearchResponse } from '../src/search/shared/response.js';

let engine: Promise<WorkerSearchEngine> | null = null;

// A worker's Content-Security-Policy violations are not shown in the page's console: say them here, so that a host
// whose policy blocks something the engine needs shows why (and the browser tests see it).
self.addEventListener('securitypolicyviolation', (event) => {
  console.error(`Content-Security-Policy violation in the search worker: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline code'}`);
});

/** DOMExceptions (storage, decoding) often carry their meaning in the name, not the message. */
function message(error: unknown): string {
  if (error instanceof DOMException) return error.message ? `${error.name}: ${error.message}` : error.name;
  return error instanceof Error ? error.message : String(error);
}
const labelOf = (image: Blob) => (image instanceof File && image.name ? image.name : 'image');

/**
 * Failures after which this worker is not to be trusted: memory ran out (an allocation failed, or the WASM runtime
 * aborted) — onnxruntime's WASM heap does not recover from an abort. The search answers with a clear error, then
 * the worker ends itself, and the page, which watches its lifeline, starts a fresh one.
 */
function exhausted(error: unknown): boolean {
  if (typeof WebAssembly !== 'undefined' && error instanceof WebAssembly.RuntimeError) return true;
  return /allocation failed|out of memory|bad_alloc|\bOOM\b|Aborted\(|memory access out of bounds/i.test(message(error));
}

function endAfterReply(): void {
  // Comlink posts the reply in a microtask; this runs after it.
  setTimeout(() => self.close(), 50);
}

function loaded(): Promise<WorkerSearchEngine> {
  if (!engine) throw new Error('the search engine was not asked to load');
  return engine;
}

/** Nothing but a response crosses back to the page: a failure here is a status the page can show. */
async function answer(
  label: string,
  query: { readonly what: string; readonly advice: string },
  work: (ready: WorkerSearchEngine) => Promise<SearchResponse>,
): Promise<SearchResponse> {
  let ready: WorkerSearchEngine;
  try {
    ready = await loaded();
  } catch (error) {
    return errorResponse(`The search engine could not load: ${message(error)}`);
  }
  try {
    return await work(ready);
  } catch (error) {
    if (exhausted(error)) {
      endAfterReply();
      return errorResponse(`${label}: the search engine ran out of memory on ${query.what} (${message(error)}) — it is restarting; try again${query.advice}`);
    }
    return errorResponse(`${label}: search failed — ${message(error)}`);
  }
}

const api: SearchWorkerApi = {
  load(dataBase: string, onEvent: (event: LoadEvent) => void, budgets?: Partial<ShardBudgets>): Promise<EngineInfo> {
    engine ??= WorkerSearchEngine.open(new URL(dataBase), (event) => void onEvent(event), budgets).catch((error: unknown) => {
      throw new Error(message(error));
    });
    return engine.then((e) => e.info);
  },

  search(image: Blob, request: SearchRequest, modifier?: string): Promise<SearchResponse> {
    const label = labelOf(image);
    return answer(label, { what: 'this photo', advice: ', or use a smaller photo' }, (ready) => ready.search(image, request, label, modifier));
  },

  searchText(text: string, request: SearchRequest): Promise<SearchResponse> {
    return answer(`“${text.trim()}”`, { what: 'these words', advice: '' }, (ready) => ready.searchText(text, request));
  },

  async loadText(onEvent: (event: LoadEvent) => void): Promise<TextModelInfo> {
    try {
      return (await (await loaded()).loadText((event) => void onEvent(event))).info;
    } catch (error) {
      throw new Error(message(error));
    }
  },

  async shardStats(): Promise<ShardStats | null> {
    return (await loaded()).shardStats();
  },

  async saveForOffline(onProgress: (done: number, total: number) => void): Promise<OfflineCatalog> {
    try {
      return await (await loaded()).saveForOffline((done, total) => void onProgress(done, total));
    } catch (error) {
      throw new Error(message(error));
    }
  },

  async embed(image: Blob) {
    return (await loaded()).embed(image, labelOf(image));
  },

  holdLifeline(name: string): Promise<boolean> {
    const locks = (navigator as Partial<Pick<WorkerNavigator, 'locks'>>).locks;
    if (!locks) return Promise.resolve(false);
    return new Promise((resolve) => {
      locks
        .request(name, () => {
          resolve(true);
          return new Promise<never>(() => undefined); // held until the worker ends
        })
        .catch(() => resolve(false));
    });
  },

  ping: () => Promise.resolve(true),
};

expose(api);
