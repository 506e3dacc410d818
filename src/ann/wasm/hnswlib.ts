import type { HierarchicalNSW } from 'hnswlib-wasm/dist/hnswlib.js';
import type { Matrix } from '../../vectors/shared/vector.js';
import type { AnnIndex, Neighbors } from '../shared/ann.js';

/**
 * hnswlib-wasm adapter, used by the page's worker and by Node (with an IndexedDB polyfill, see ../node/env.ts), so
 * the graph the build writes is byte-for-byte the format the browser reads.
 *
 * The library only does file I/O through an Emscripten IDBFS mount backed by IndexedDB (database
 * "/hnswlib-index", store "FILE_DATA"). To hand it bytes we put a record there and sync the mount; to get bytes
 * out we write the index, sync, and read the record back.
 */
const DB_NAME = '/hnswlib-index';
const STORE = 'FILE_DATA';
const MOUNT = '/hnswlib-index';

type HnswModule = typeof import('hnswlib-wasm/dist/hnswlib.js');
type HnswLib = Awaited<ReturnType<HnswModule['loadHnswlib']>>;

let loading: Promise<{ lib: HnswLib; sync: HnswModule['syncFileSystem'] }> | null = null;
let queue: Promise<unknown> = Promise.resolve();
let counter = 0;

/** The library narrates every file-system sync on console.log; keep logs for what matters. */
function silenceLibraryChatter(): void {
  const log = console.log.bind(console);
  console.log = (...args: unknown[]) => {
    const first = typeof args[0] === 'string' ? args[0] : '';
    if (/^(b\.|d\.) |^EmscriptenFileSystemManager:/.test(first)) return;
    log(...args);
  };
}

function library() {
  loading ??= (async () => {
    silenceLibraryChatter();
    const mod = await import('hnswlib-wasm/dist/hnswlib.js');
    return { lib: await mod.loadHnswlib(), sync: mod.syncFileSystem };
  })();
  return loading;
}

/** One graph operation at a time: the library's shared file system does not survive concurrent loads. */
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await request(indexedDB.open(DB_NAME));
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(fn(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      // A full disk or quota aborts the transaction without an error event: without this, the load would hang.
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  } finally {
    db.close();
  }
}

function readRecord(key: string): Promise<{ contents: Uint8Array } | undefined> {
  return withStore('readonly', (s) => s.get(key) as IDBRequest<{ contents: Uint8Array } | undefined>);
}

async function pollRecord(key: string, timeoutMs = 10_000): Promise<{ contents: Uint8Array } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await readRecord(key);
    if (record || Date.now() > deadline) return record;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function libraryError(error: unknown): Error {
  // The library throws arrays and strings, not Errors.
  return error instanceof Error ? error : new Error(`hnswlib: ${Array.isArray(error) ? error.join(' ') : String(error)}`);
}

export class HnswIndex implements AnnIndex {
  constructor(
    private readonly graph: HierarchicalNSW,
    readonly size: number,
  ) {}

  search(query: Float32Array, k: number): Neighbors {
    const n = Math.min(k, this.size);
    if (n === 0) return { ids: [], scores: [] };
    try {
      const { neighbors, distances } = this.graph.searchKnn(query, n, undefined);
      // Inner-product space: distance = 1 - <q, x>.
      return { ids: Array.from(neighbors), scores: Array.from(distances, (d) => 1 - d) };
    } catch (error) {
      throw libraryError(error);
    }
  }

  setEfSearch(ef: number): void {
    this.graph.setEfSearch(ef);
  }
}

export interface HnswBuildParams {
  readonly m: number;
  readonly efConstruction: number;
  readonly seed?: number;
}

/** Builds an inner-product HNSW graph over the given rows (labels = row numbers) and returns its file bytes. */
export function buildHnsw(vectors: Matrix, rows: Uint32Array, params: HnswBuildParams): Promise<Uint8Array> {
  return exclusive(async () => {
    const { lib, sync } = await library();
    const name = `build-${Date.now()}-${counter++}.hnsw`;
    try {
      const graph = new lib.HierarchicalNSW('ip', vectors.dim, '');
      graph.initIndex(rows.length, params.m, params.efConstruction, params.seed ?? 100);
      const points = Array.from(rows, (r) => vectors.data.subarray(r * vectors.dim, (r + 1) * vectors.dim));
      graph.addPoints(points, Array.from(rows), false);
      await graph.writeIndex(name);
      // writeIndex starts its own file-system sync without awaiting it; wait for the file to land rather than
      // start a second sync on top of it.
      const record = await pollRecord(`${MOUNT}/${name}`);
      if (!record) {
        await sync('write');
        const again = await readRecord(`${MOUNT}/${name}`);
        if (!again) throw new Error('hnswlib wrote no index file');
        return new Uint8Array(again.contents);
      }
      return new Uint8Array(record.contents);
    } catch (error) {
      throw libraryError(error);
    } finally {
      await withStore('readwrite', (s) => s.delete(`${MOUNT}/${name}`));
    }
  });
}

/**
 * Checks an HNSW file's header before the library reads it: hnswlib trusts its caller's dimension and would read
 * out of bounds on a mismatch. Layout of hnswlib's saveIndex on wasm32 (size_t and labels are 4 bytes; files from
 * 64-bit hnswlib-node do not fit it and are refused here): offsetLevel0, maxElements, count, sizeDataPerElement,
 * labelOffset, offsetData (u32 each), maxLevel (i32), entryPoint, maxM, maxM0, M (u32), mult (f64), efConstruction.
 */
export function checkHnswHeader(bytes: Uint8Array, dim: number, rows: number): void {
  const HEADER = 56;
  if (bytes.byteLength < HEADER) throw new Error(`HNSW file of ${bytes.byteLength} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const [count, perElement, labelOffset, dataOffset] = [u32(8), u32(12), u32(16), u32(20)];
  const fileDim = (labelOffset - dataOffset) / 4;
  if (perElement !== labelOffset + 4 || !Number.isInteger(fileDim) || HEADER + count * perElement > bytes.byteLength) {
    throw new Error('not an hnswlib-wasm HNSW file (a graph saved by 64-bit hnswlib-node has another layout)');
  }
  if (count !== rows || fileDim !== dim) throw new Error(`HNSW file holds ${count} vectors of ${fileDim}-d, expected ${rows} of ${dim}-d`);
}

/** Loads HNSW file bytes (as written by buildHnsw) for search. */
export async function openHnsw(bytes: Uint8Array, dim: number, rows: number, efSearch: number): Promise<HnswIndex> {
  checkHnswHeader(bytes, dim, rows);
  return exclusive(async () => {
    const { lib, sync } = await library();
    const name = `open-${Date.now()}-${counter++}.hnsw`;
    try {
      await withStore('readwrite', (s) => s.put({ timestamp: new Date(), mode: 0o100666, contents: bytes }, `${MOUNT}/${name}`));
      await sync('read');
      const graph = new lib.HierarchicalNSW('ip', dim, '');
      await graph.readIndex(name, rows);
      graph.setEfSearch(efSearch);
      return new HnswIndex(graph, rows);
    } catch (error) {
      throw libraryError(error);
    } finally {
      // The graph now lives in WASM memory; drop the file copy from IndexedDB and the mount.
      await withStore('readwrite', (s) => s.delete(`${MOUNT}/${name}`));
      await sync('read');
    }
  });
}
