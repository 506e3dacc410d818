import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { storedCopyHash } from './checksum.js';
import { describeError, downloadVerified, type FileProgress, type VerifiedFile } from './download.js';

/**
 * Verified files kept in IndexedDB, keyed by SHA-256, for the page and its worker alike: a file is downloaded once
 * (download.ts, which verifies its SHA-256) and read from IndexedDB on later visits. A stored copy is checked again
 * on every read, against a fast hash recorded when it was stored; one that no longer matches is dropped and
 * downloaded again. Downloads are stored once the models and index are open
 * (`persist`, alongside the warm-up), so storing never delays a download; a catalog's shards are stored as searches
 * fetch them, under their own byte budget. Storage failures (quota, private mode) never stop the search: they are
 * reported.
 */
const DB_NAME = 'vitrine-files';
const STORE = 'files';
/** Shards' sizes and last use, kept apart from their bytes so that choosing what to evict reads no file. */
const SHARD_USE = 'shard-use';

interface StoredFile {
  readonly path: string;
  /**
   * A Blob: the browser keeps it in a file of its own and reads it back without the extra copy an ArrayBuffer this
   * large costs (Chromium wraps such values in a blob anyway). Copies stored as ArrayBuffers by earlier versions are
   * not read: they are downloaded again once.
   */
  readonly bytes: Blob;
  /**
   * `storedCopyHash` of the bytes, whose SHA-256 was verified before they were stored. Checking it on each read
   * catches a copy damaged on the device at a fraction of SHA-256's cost (9 stored shards of 5.4 MB, as a 1M-product
   * search reads, side by side in one page: 80–87 ms to read, 131–143 with SHA-256, 77–100 with this hash). Copies
   * stored without one are downloaded again.
   */
  readonly hash: string;
  readonly storedAt: number;
}

function storedFile(file: VerifiedFile, bytes: Uint8Array<ArrayBuffer>): StoredFile {
  return { path: file.path, bytes: new Blob([bytes]), hash: storedCopyHash(bytes), storedAt: Date.now() };
}

interface ShardUse {
  readonly path: string;
  readonly bytes: number;
  readonly usedAt: number;
}

interface FilesSchema extends DBSchema {
  [STORE]: { key: string; value: StoredFile };
  [SHARD_USE]: { key: string; value: ShardUse };
}

/** Shards kept on this device: how many, their bytes, the budget they are kept under and how many it evicted. */
export interface StoredShards {
  readonly shards: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly evictions: number;
  /** "path (could not cache: why)" for shards the browser would not store. */
  readonly notCached: readonly string[];
}

export class FileCache {
  private readonly downloaded: { readonly file: VerifiedFile; readonly bytes: Uint8Array<ArrayBuffer> }[] = [];
  private shardEvictions = 0;
  private readonly shardFailures: string[] = [];

  private constructor(
    private readonly db: IDBPDatabase<FilesSchema> | null,
    /** Why there is no database. */
    private readonly unavailable: string | null,
  ) {}

  static async open(): Promise<FileCache> {
    try {
      const db = await openDB<FilesSchema>(DB_NAME, 2, {
        upgrade: (database, oldVersion) => {
          if (oldVersion < 1) database.createObjectStore(STORE);
          if (oldVersion < 2) database.createObjectStore(SHARD_USE);
        },
        // Another tab upgrading the database: step aside rather than block it.
        blocking: () => db.close(),
      });
      return new FileCache(db, null);
    } catch (error) {
      return new FileCache(null, describeError(error));
    }
  }

  /** The file's verified bytes: from IndexedDB when a matching copy is there, else from the network. */
  async get(file: VerifiedFile, onProgress: (event: FileProgress) => void): Promise<Uint8Array<ArrayBuffer>> {
    const cached = await this.readStored(file, onProgress, (bytes) => bytes);
    if (cached) return cached.value;
    const bytes = await downloadVerified(file, onProgress);
    this.downloaded.push({ file, bytes });
    return bytes;
  }

  /**
   * Stores the files `get` downloaded and drops stored files whose checksum is not in `keep` (earlier builds).
   * Returns "path (could not cache: why)" for each file that could not be stored.
   */
  async persist(keep: ReadonlySet<string>): Promise<string[]> {
    const pending = this.downloaded.splice(0);
    if (!this.db) return pending.map(({ file }) => `${file.path} (could not cache: ${this.unavailable})`);
    const failures: string[] = [];
    for (const { file, bytes } of pending) {
      try {
        const tx = this.db.transaction(STORE, 'readwrite');
        await Promise.all([tx.store.put(storedFile(file, bytes), file.sha256), tx.done]);
      } catch (error) {
        failures.push(`${file.path} (could not cache: ${describeError(error)})`);
      }
    }
    try {
      const tx = this.db.transaction([STORE, SHARD_USE], 'readwrite');
      const files = tx.objectStore(STORE);
      const uses = tx.objectStore(SHARD_USE);
      const stale = (await files.getAllKeys()).filter((key) => !keep.has(key));
      const staleUses = (await uses.getAllKeys()).filter((key) => !keep.has(key));
      await Promise.all([...stale.map((key) => files.delete(key)), ...staleUses.map((key) => uses.delete(key)), tx.done]);
    } catch {
      // Old files left behind cost space, not correctness; the next visit tries again.
    }
    return failures;
  }

  /**
   * A shard (a part of the index a search needs now), decoded by `decode` from verified bytes: from IndexedDB, its
   * use recorded, or from the network, stored at once; the least recently used shards are dropped to keep them all
   * under `budgetBytes`. A shard the browser will not store is still returned (and reported in `storedShards`).
   */
  async shard<T>(file: VerifiedFile, budgetBytes: number, onProgress: (event: FileProgress) => void, decode: (bytes: Uint8Array<ArrayBuffer>) => T): Promise<T> {
    const cached = await this.readStored(file, onProgress, decode);
    if (cached) {
      // Not awaited: the search need not wait for the commit, and later transactions on the store see it all the same.
      void this.db?.put(SHARD_USE, { path: file.path, bytes: file.bytes, usedAt: Date.now() }, file.sha256).catch(() => undefined);
      return cached.value;
    }
    const bytes = await downloadVerified(file, onProgress);
    try {
      await this.storeShard(file, bytes, budgetBytes);
    } catch (error) {
      this.shardFailures.push(`${file.path} (could not cache: ${describeError(error)})`);
    }
    return decode(bytes);
  }

  async storedShards(budgetBytes: number): Promise<StoredShards> {
    const uses = this.db ? await this.db.getAll(SHARD_USE).catch(() => []) : [];
    return {
      shards: uses.length,
      bytes: uses.reduce((n, u) => n + u.bytes, 0),
      budgetBytes,
      evictions: this.shardEvictions,
      notCached: this.shardFailures,
    };
  }

  private async storeShard(file: VerifiedFile, bytes: Uint8Array<ArrayBuffer>, budgetBytes: number): Promise<void> {
    if (!this.db) throw new Error(this.unavailable ?? 'no database');
    if (file.bytes > budgetBytes) throw new Error(`larger than the ${budgetBytes}-byte budget for shards`);
    // One transaction: the bytes and their use record are stored, and room made, together or not at all.
    const tx = this.db.transaction([STORE, SHARD_USE], 'readwrite');
    const uses = tx.objectStore(SHARD_USE);
    const files = tx.objectStore(STORE);
    const held: { key: string; use: ShardUse }[] = [];
    for (let cursor = await uses.openCursor(); cursor; cursor = await cursor.continue()) held.push({ key: cursor.key, use: cursor.value });
    held.sort((a, b) => a.use.usedAt - b.use.usedAt);
    let total = held.reduce((n, h) => n + (h.key === file.sha256 ? 0 : h.use.bytes), 0) + file.bytes;
    const evicted: string[] = [];
    for (const h of held) {
      if (total <= budgetBytes) break;
      if (h.key === file.sha256) continue;
      evicted.push(h.key);
      total -= h.use.bytes;
    }
    await Promise.all([
      ...evicted.flatMap((key) => [files.delete(key), uses.delete(key)]),
      files.put(storedFile(file, bytes), file.sha256),
      uses.put({ path: file.path, bytes: file.bytes, usedAt: Date.now() }, file.sha256),
      tx.done,
    ]);
    this.shardEvictions += evicted.length;
  }

  /**
   * A matching stored copy, decoded by `decode`, reported as a finished file from this device; null when there is
   * none. A copy that fails its check, or does not decode, is damaged: forgotten, and the caller
   * fetches a fresh one.
   */
  private async readStored<T>(file: VerifiedFile, onProgress: (event: FileProgress) => void, decode: (bytes: Uint8Array<ArrayBuffer>) => T): Promise<{ value: T } | null> {
    const stored = await this.stored(file);
    if (!stored) return null;
    if (stored.intact) {
      try {
        const value = decode(stored.bytes);
        onProgress({ path: file.path, total: file.bytes, loaded: file.bytes, percent: 100, source: 'cache', done: true });
        return { value };
      } catch {
        // Intact but not decodable: a bad build, which the fresh copy reports.
      }
    }
    await this.db?.delete(STORE, file.sha256).catch(() => undefined);
    return null;
  }

  /** The stored copy's bytes, and whether they are still what was stored; null when there is no copy of the right size. */
  private async stored(file: VerifiedFile): Promise<{ bytes: Uint8Array<ArrayBuffer>; intact: boolean } | null> {
    if (!this.db) return null;
    try {
      const stored = await this.db.get(STORE, file.sha256);
      if (!(stored?.bytes instanceof Blob) || stored.bytes.size !== file.bytes) return null;
      const bytes = new Uint8Array(await stored.bytes.arrayBuffer());
      return { bytes, intact: storedCopyHash(bytes) === stored.hash };
    } catch {
      // Unreadable (its file gone from the browser's storage, say): downloaded again.
      return null;
    }
  }
}
