import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { sha256Hex } from './checksum.js';
import { describeError, downloadVerified, type FileProgress, type VerifiedFile } from './download.js';

/**
 * Verified files kept in IndexedDB, keyed by SHA-256, for the page and its worker alike: a file is downloaded once
 * (download.ts) and read from IndexedDB on later visits. A stored copy is checked again on every read; one that no
 * longer matches is dropped and downloaded again. Downloads are stored once the models and index are open
 * (`persist`, alongside the warm-up): storing never delays a download, and never competes for quota with
 * hnswlib-wasm, which needs IndexedDB room to load a graph. Storage failures (quota, private mode) never stop the
 * search: they are reported.
 */
const DB_NAME = 'vitrine-files';
const STORE = 'files';

interface StoredFile {
  readonly path: string;
  readonly bytes: ArrayBuffer;
  readonly storedAt: number;
}

interface FilesSchema extends DBSchema {
  [STORE]: { key: string; value: StoredFile };
}

export class FileCache {
  private readonly downloaded: { readonly file: VerifiedFile; readonly bytes: Uint8Array<ArrayBuffer> }[] = [];

  private constructor(
    private readonly db: IDBPDatabase<FilesSchema> | null,
    /** Why there is no database. */
    private readonly unavailable: string | null,
  ) {}

  static async open(): Promise<FileCache> {
    try {
      const db = await openDB<FilesSchema>(DB_NAME, 1, {
        upgrade: (database) => database.createObjectStore(STORE),
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
    const cached = await this.read(file);
    if (cached) {
      onProgress({ path: file.path, total: file.bytes, loaded: file.bytes, percent: 100, source: 'cache', done: true });
      return cached;
    }
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
        await Promise.all([tx.store.put({ path: file.path, bytes: bytes.buffer, storedAt: Date.now() }, file.sha256), tx.done]);
      } catch (error) {
        failures.push(`${file.path} (could not cache: ${describeError(error)})`);
      }
    }
    try {
      const tx = this.db.transaction(STORE, 'readwrite');
      const stale = (await tx.store.getAllKeys()).filter((key) => !keep.has(key));
      await Promise.all([...stale.map((key) => tx.store.delete(key)), tx.done]);
    } catch {
      // Old files left behind cost space, not correctness; the next visit tries again.
    }
    return failures;
  }

  private async read(file: VerifiedFile): Promise<Uint8Array<ArrayBuffer> | null> {
    if (!this.db) return null;
    let stored: StoredFile | undefined;
    try {
      stored = await this.db.get(STORE, file.sha256);
    } catch {
      return null;
    }
    if (!stored) return null;
    const bytes = new Uint8Array(stored.bytes);
    if (bytes.byteLength === file.bytes && (await sha256Hex(bytes)) === file.sha256) return bytes;
    // Damaged or tampered with: forget it, the caller fetches a fresh copy.
    await this.db.delete(STORE, file.sha256).catch(() => undefined);
    return null;
  }
}
