/**
 * The search worker: everything heavy (download, decode, inference, search) runs here, off the page's main thread.
 * The page talks to it only through Comlink (src/search/worker/api.ts).
 */
import { expose } from 'comlink';
import type { EngineInfo, LoadEvent, SearchWorkerApi } from '../src/search/worker/api.js';
import { WorkerSearchEngine } from '../src/search/worker/engine.js';
import type { SearchRequest } from '../src/search/shared/policy.js';
import { errorResponse, type SearchResponse } from '../src/search/shared/response.js';

let engine: Promise<WorkerSearchEngine> | null = null;

/** DOMExceptions (storage, decoding) often carry their meaning in the name, not the message. */
function message(error: unknown): string {
  if (error instanceof DOMException) return error.message ? `${error.name}: ${error.message}` : error.name;
  return error instanceof Error ? error.message : String(error);
}
const labelOf = (image: Blob) => (image instanceof File && image.name ? image.name : 'image');

function loaded(): Promise<WorkerSearchEngine> {
  if (!engine) throw new Error('the search engine was not asked to load');
  return engine;
}

const api: SearchWorkerApi = {
  load(dataBase: string, onEvent: (event: LoadEvent) => void): Promise<EngineInfo> {
    engine ??= WorkerSearchEngine.open(new URL(dataBase), (event) => void onEvent(event)).catch((error: unknown) => {
      throw new Error(message(error));
    });
    return engine.then((e) => e.info);
  },

  async search(image: Blob, request: SearchRequest): Promise<SearchResponse> {
    // Nothing but a response crosses back to the page: a failure here is a status the page can show.
    let ready: WorkerSearchEngine;
    try {
      ready = await loaded();
    } catch (error) {
      return errorResponse(`The search engine could not load: ${message(error)}`);
    }
    try {
      return await ready.search(image, request, labelOf(image));
    } catch (error) {
      return errorResponse(`${labelOf(image)}: search failed — ${message(error)}`);
    }
  },

  async embed(image: Blob) {
    return (await loaded()).embed(image, labelOf(image));
  },
};

expose(api);
