import type { HierarchicalNSW } from 'hnswlib-wasm/dist/hnswlib.js';
import { openDB, type IDBPDatabase } from 'idb';
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
/** How long a file-system sync may take before it counts as stuck: a large graph on a slow, busy device. */
const SYNC_TIMEOUT_MS = 60_000;

type HnswModule = typeof import('hnswlib-wasm/dist/hnswlib.js');
type HnswLib = Awaited<ReturnType<HnswModule['loadHnswlib']>>;

/** A file of the library's IDBFS mount, as Emscripten stores it. */
interface MountedFile {
  readonly timestamp: Date;
  readonly mode: number;
  readonly contents: Uint8Array;
}

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

/**
 * The library's file-system syncs, as they finish. It starts two kinds it does not await: one when it mounts IDBFS,
 * one inside every writeIndex. A sync started while another runs fails, or deletes the file the other is about to
 * read: so the adapter waits for those two to finish, by the callback every sync ends with (Module.setIdbfsSynced,
 * called with whether it worked).
 */
interface SyncWatch {
  finished: number;
  lastWorked: boolean;
}
const syncs = new WeakMap<HnswLib, SyncWatch>();

function watchSyncs(lib: HnswLib): void {
  const module = lib as unknown as { setIdbfsSynced(worked: boolean): void };
  const watch: SyncWatch = { finished: 0, lastWorked: lib.EmscriptenFileSystemManager.isSynced() };
  const report = module.setIdbfsSynced.bind(module);
  module.setIdbfsSynced = (worked) => {
    watch.finished++;
    watch.lastWorked = worked;
    report(worked);
  };
  syncs.set(lib, watch);
}

/** Resolves once a sync that started after `finishedBefore` syncs had finished is done; fails if it failed. */
async function syncFinished(lib: HnswLib, finishedBefore: number): Promise<void> {
  const watch = syncs.get(lib)!;
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  while (watch.finished <= finishedBefore) {
    if (Date.now() > deadline) throw new Error(`hnswlib: its file system did not finish syncing within ${SYNC_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!watch.lastWorked) throw new Error('hnswlib: its file system could not sync with IndexedDB');
}

function library() {
  loading ??= (async () => {
    silenceLibraryChatter();
    const mod = await import('hnswlib-wasm/dist/hnswlib.js');
    const lib = await mod.loadHnswlib();
    watchSyncs(lib);
    // Where the browser refuses IndexedDB (private browsing), say so as it does: the mount's first sync cannot work.
    (await openDB(DB_NAME)).close();
    // The mount's first sync may still be running (or may have finished before the watch began).
    if (!lib.EmscriptenFileSystemManager.isSynced()) await syncFinished(lib, 0);
    return { lib, sync: mod.syncFileSystem };
  })();
  return loading;
}

/** One graph operation at a time: the library's shared file system does not survive concurrent loads. */
function exclusive<T>(task: (lib: HnswLib, sync: HnswModule['syncFileSystem']) => Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    const { lib, sync } = await library();
    return task(lib, sync);
  });
  queue = run.catch(() => undefined);
  return run;
}

/** The mount's IndexedDB store, opened for one operation (the library keeps its own connection). */
async function withMountStore<T>(work: (db: IDBPDatabase<unknown>) => Promise<T>): Promise<T> {
  const db = await openDB(DB_NAME);
  try {
    return await work(db);
  } finally {
    db.close();
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
  return exclusive(async (lib) => {
    const name = `build-${Date.now()}-${counter++}.hnsw`;
    const key = `${MOUNT}/${name}`;
    try {
      const graph = new lib.HierarchicalNSW('ip', vectors.dim, '');
      graph.initIndex(rows.length, params.m, params.efConstruction, params.seed ?? 100);
      const points = Array.from(rows, (r) => vectors.data.subarray(r * vectors.dim, (r + 1) * vectors.dim));
      graph.addPoints(points, Array.from(rows), false);
      const finishedBefore = syncs.get(lib)!.finished;
      await graph.writeIndex(name);
      // writeIndex syncs the mount into IndexedDB without awaiting it: the file is there once that sync is done.
      await syncFinished(lib, finishedBefore);
      const record = await withMountStore((db) => db.get(STORE, key) as Promise<MountedFile | undefined>);
      if (!record) throw new Error('hnswlib wrote no index file');
      return new Uint8Array(record.contents);
    } catch (error) {
      throw libraryError(error);
    } finally {
      await withMountStore((db) => db.delete(STORE, key));
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
  return exclusive(async (lib, sync) => {
    const name = `open-${Date.now()}-${counter++}.hnsw`;
    const key = `${MOUNT}/${name}`;
    try {
      await withMountStore((db) => db.put(STORE, { timestamp: new Date(), mode: 0o100666, contents: bytes } satisfies MountedFile, key));
      await sync('read');
      const graph = new lib.HierarchicalNSW('ip', dim, '');
      await graph.readIndex(name, rows);
      graph.setEfSearch(efSearch);
      return new HnswIndex(graph, rows);
    } catch (error) {
      throw libraryError(error);
    } finally {
      // The graph now lives in WASM memory; drop the file copy from IndexedDB and the mount.
      await withMountStore((db) => db.delete(STORE, key));
      await sync('read');
    }
  });
}
