import { sha256Hex } from './checksum.js';

/** A file a manifest pins: where to fetch it, and the size and SHA-256 it must have. */
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

export function describeError(error: unknown): string {
  return error instanceof DOMException ? `${error.name}: ${error.message}` : error instanceof Error ? error.message : String(error);
}

/** Reads the body in chunks so the page can show bytes and percent while a large model downloads. */
async function fetchOnce(file: VerifiedFile, progress: (loaded: number) => void): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    // The copy kept in IndexedDB is the cache: a second one in the HTTP cache would only double the storage.
    response = await fetch(file.url, { cache: 'no-store' });
  } catch (error) {
    throw new DownloadError(`${file.path}: download failed (${describeError(error)})`, true);
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
      throw new DownloadError(`${file.path}: the download broke off after ${loaded} of ${file.bytes} bytes (${describeError(error)})`, true);
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

/**
 * The file's bytes from the network, checked against its size and SHA-256, tried again on transient failures.
 * Progress: one event per whole percent (a retry starts again from 0: the bar holds still until it catches up).
 */
export async function downloadVerified(file: VerifiedFile, onProgress: (event: FileProgress) => void): Promise<Uint8Array<ArrayBuffer>> {
  let lastPercent = -1;
  for (let attempt = 1; ; attempt++) {
    try {
      const bytes = await fetchOnce(file, (loaded) => {
        const percent = Math.floor((100 * loaded) / Math.max(1, file.bytes));
        if (percent <= lastPercent) return;
        lastPercent = percent;
        onProgress({ path: file.path, total: file.bytes, loaded, percent, source: 'network', done: false });
      });
      if ((await sha256Hex(bytes)) !== file.sha256) {
        throw new DownloadError(`${file.path}: downloaded, but its checksum differs from the manifest — the server holds another build, or the file is damaged there`, true);
      }
      onProgress({ path: file.path, total: file.bytes, loaded: file.bytes, percent: 100, source: 'network', done: true });
      return bytes;
    } catch (error) {
      if (!(error instanceof DownloadError) || !error.transient) throw error;
      if (attempt >= DOWNLOAD_ATTEMPTS) throw new DownloadError(`${error.message} (tried ${attempt} times)`, false);
    }
  }
}
