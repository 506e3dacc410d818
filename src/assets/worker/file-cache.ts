/**
 * Verified downloads kept in IndexedDB, keyed by SHA-256: a file is fetched once (with streamed progress), checked
 * against the checksum its manifest gives, and read from IndexedDB on later visits. A stored copy is checked again
 * on every read; one that no longer matches is dropped and fetched again. Downloads are stored once the models and
 * index are open (`persist`, alongside the warm-up): storing never delays a download, and never competes for quota
 * with hnswlib-wasm, which needs IndexedDB room to load a graph. Storage failures (quota, private mode) never stop
 * the search: they are reported.
 */
const DB_NAME = 'vitrine-files';
const STORE = 'files';

export interface VerifiedFile {
  /** Shown to people and in progress events: the file's path in its manifest. */
  readonly path: string;
  readonly url: string;
  readonly bytes: number;
  readonly sha256: string;
}

export type FileSource = 'network' | 'cache';

export interface FileProgress {
  readonly path: string;
  readonly loaded: number;
  readonly total: number;
  /** 0–100, whole. */
  readonly percent: number;
  readonly source: FileSource;
  readonly done: boolean;
}

interface StoredFile {
  readonly path: string;
  readonly bytes: ArrayBuffer;
  readonly storedAt: number;
}

/** Downloads tried per file: a connection cut short or a corrupted transfer usually succeeds the next time. */
const DOWNLOAD_ATTEMPTS = 3;

class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    /** Worth another try (network failure, short or corrupted body, server error); not for a 404. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  return request(req).then((db) => {
    db.onversionchange = () => db.close();
    return db;
  });
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function describe(error: unknown): string {
  return error instanceof DOMException ? `${error.name}: ${error.message}` : error instanceof Error ? error.message : String(error);
}

/** Reads the body in chunks so the page can show bytes and percent while a large model downloads. */
async function download(file: VerifiedFile, progress: (loaded: number) => void): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    // The copy kept in IndexedDB is the cache: a second one in the HTTP cache would only double the storage.
    response = await fetch(file.url, { cache: 'no-store' });
  } catch (error) {
    throw new DownloadError(`${file.path}: download failed (${describe(error)})`, true);
  }
  if (!response.ok || !response.body) {
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new DownloadError(`${file.path}: the server answered HTTP ${response.status}`, transient);
  }
  const out = new Uint8Array(file.bytes);
  const reader = response.body.getReader();
  let loaded = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new DownloadError(`${file.path}: the download broke off after ${loaded} of ${file.bytes} bytes (${describe(error)})`, true);
    }
    const { done, value } = chunk;
    if (done) break;
    if (loaded + value.byteLength > file.bytes) {
      await reader.cancel();
      throw new DownloadError(`${file.path}: the server sent more than the ${file.bytes} bytes the manifest lists — it holds another build`, true);
    }
    out.set(value, loaded);
    loaded += value.byteLength;
    progress(loaded);
  }
  if (loaded !== file.bytes) throw new DownloadError(`${file.path}: received ${loaded} of ${file.bytes} bytes (the download was cut short)`, true);
  return out;
}

export class FileCache {
  private readonly downloaded: { readonly file: VerifiedFile; readonly bytes: Uint8Array<ArrayBuffer> }[] = [];

  private constructor(
    private readonly db: IDBDatabase | null,
    /** Why there is no database. */
    private readonly unavailable: string | null,
  ) {}

  static async open(): Promise<FileCache> {
    try {
      return new FileCache(await openDatabase(), null);
    } catch (error) {
      return new FileCache(null, describe(error));
    }
  }

  /** The file's verified bytes: from IndexedDB when a matching copy is there, else from the network. */
  async get(file: VerifiedFile, onProgress: (event: FileProgress) => void): Promise<Uint8Array<ArrayBuffer>> {
    const base = { path: file.path, total: file.bytes };
    const cached = await this.read(file);
    if (cached) {
      onProgress({ ...base, loaded: file.bytes, percent: 100, source: 'cache', done: true });
      return cached;
    }
    let lastPercent = -1;
    let bytes: Uint8Array<ArrayBuffer>;
    for (let attempt = 1; ; attempt++) {
      try {
        bytes = await download(file, (loaded) => {
          // A retry starts again from 0: the bar holds still until it catches up, it never runs backwards.
          const percent = Math.floor((100 * loaded) / Math.max(1, file.bytes));
          if (percent <= lastPercent) return; // one event per percent is plenty for a progress bar
          lastPercent = percent;
          onProgress({ ...base, loaded, percent, source: 'network', done: false });
        });
        if ((await sha256Hex(bytes)) !== file.sha256) {
          throw new DownloadError(`${file.path}: downloaded, but its checksum differs from the manifest — the server holds another build, or the file is damaged there`, true);
        }
        break;
      } catch (error) {
        if (!(error instanceof DownloadError) || !error.transient) throw error;
        if (attempt >= DOWNLOAD_ATTEMPTS) throw new DownloadError(`${error.message} (tried ${attempt} times)`, false);
      }
    }
    this.downloaded.push({ file, bytes });
    onProgress({ ...base, loaded: file.bytes, percent: 100, source: 'network', done: true });
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
        tx.objectStore(STORE).put({ path: file.path, bytes: bytes.buffer, storedAt: Date.now() } satisfies StoredFile, file.sha256);
        await transactionDone(tx);
      } catch (error) {
        failures.push(`${file.path} (could not cache: ${describe(error)})`);
      }
    }
    try {
      const tx = this.db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (const key of await request(store.getAllKeys())) if (!keep.has(String(key))) store.delete(key);
      await transactionDone(tx);
    } catch {
      // Old files left behind cost space, not correctness; the next visit tries again.
    }
    return failures;
  }

  private async read(file: VerifiedFile): Promise<Uint8Array<ArrayBuffer> | null> {
    if (!this.db) return null;
    let stored: StoredFile | undefined;
    try {
      stored = (await request(this.db.transaction(STORE, 'readonly').objectStore(STORE).get(file.sha256))) as StoredFile | undefined;
    } catch {
      return null;
    }
    if (!stored) return null;
    const bytes = new Uint8Array(stored.bytes);
    if (bytes.byteLength === file.bytes && (await sha256Hex(bytes)) === file.sha256) return bytes;
    // Damaged or tampered with: forget it, the caller fetches a fresh copy.
    const tx = this.db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(file.sha256);
    await transactionDone(tx).catch(() => undefined);
    return null;
  }
}
