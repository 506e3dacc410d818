import type { FileProgress, VerifiedFile } from '../browser/download.js';
import type { FileCache } from '../browser/file-cache.js';

/** Bytes summed over a set of files (`loaded` counts bytes already on this device too). */
export interface Overall {
  readonly loaded: number;
  readonly total: number;
  readonly files: number;
  readonly filesDone: number;
}

export interface DownloadSummary {
  readonly fromCache: number;
  readonly fromNetwork: number;
  readonly bytesDownloaded: number;
}

/**
 * Fetches a set of files (from the cache or the network) once each, at most `limit` at a time, in the given order,
 * except that a file someone asks for jumps the queue: a loader that opens files one by one must not wait behind
 * files it reads later. Reports each file's progress with the byte totals of the whole set, for one progress bar.
 */
export class DownloadQueue {
  private readonly started = new Map<string, Promise<Uint8Array>>();
  private readonly pending: VerifiedFile[];
  private readonly loaded = new Map<string, number>();
  private readonly finished: FileProgress[] = [];
  private active = 0;

  constructor(
    private readonly cache: FileCache,
    private readonly files: readonly VerifiedFile[],
    private readonly onProgress: (file: FileProgress, overall: Overall) => void,
    private readonly limit: number,
  ) {
    this.pending = [...files];
    this.pump();
  }

  get(path: string): Promise<Uint8Array> {
    const started = this.started.get(path);
    if (started) return started;
    const index = this.pending.findIndex((f) => f.path === path);
    if (index < 0) return Promise.reject(new Error(`${path} is not a file this page downloads`));
    return this.start(this.pending.splice(index, 1)[0]!);
  }

  summary(): DownloadSummary {
    const network = this.finished.filter((p) => p.source === 'network');
    return {
      fromCache: this.finished.length - network.length,
      fromNetwork: network.length,
      bytesDownloaded: network.reduce((sum, p) => sum + p.total, 0),
    };
  }

  private start(file: VerifiedFile): Promise<Uint8Array> {
    this.active++;
    const promise = this.cache.get(file, (p) => this.progress(p)).finally(() => {
      this.active--;
      this.pump();
    });
    // A prefetch nobody awaits yet must not surface as an unhandled rejection; `get` still hands out the failure.
    promise.catch(() => undefined);
    this.started.set(file.path, promise);
    return promise;
  }

  private pump(): void {
    while (this.active < this.limit && this.pending.length > 0) this.start(this.pending.shift()!);
  }

  private progress(file: FileProgress): void {
    this.loaded.set(file.path, file.loaded);
    if (file.done) this.finished.push(file);
    this.onProgress(file, {
      loaded: [...this.loaded.values()].reduce((a, b) => a + b, 0),
      total: this.files.reduce((sum, f) => sum + f.bytes, 0),
      files: this.files.length,
      filesDone: this.finished.length,
    });
  }
}
