// hnswlib-wasm expects a browser: a `window` global and IndexedDB. Give Node both before the library loads.
import 'fake-indexeddb/auto';

(globalThis as { window?: unknown }).window ??= globalThis;

export { buildHnsw, openHnsw, HnswIndex } from '../wasm/hnswlib.js';
