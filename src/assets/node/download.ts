import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';

/** Where one file comes from: a file in a local mirror folder, or an http(s) URL (mirror or hub). */
export type Source = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'url'; readonly url: string };

export const describeSource = (source: Source): string => (source.kind === 'file' ? source.path : source.url);

export interface OpenedSource {
  readonly source: Source;
  readonly body: Readable;
  /** Announced length, when the bytes will arrive as announced (not re-encoded in transit). */
  readonly length: number | null;
}

/** What a file must be. `null` = not checked; `origin` says where the expectation came from, for error messages. */
export interface Expected {
  readonly bytes: number | null;
  readonly sha256: string | null;
  readonly origin: string;
}

export interface Observed {
  readonly bytes: number;
  readonly sha256: string;
}

function fetchError(url: string, error: unknown): Error {
  // fetch() reports every network failure as "fetch failed"; its cause says what happened.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return new Error(`failed to fetch ${url}: ${cause instanceof Error ? cause.message : String(cause)}`);
}

/** Opens a source for reading; `null` when it does not have the file (missing file, HTTP 404). */
export async function openSource(source: Source): Promise<OpenedSource | null> {
  if (source.kind === 'file') {
    const info = await stat(source.path).catch(() => null);
    if (!info?.isFile()) return null;
    return { source, body: createReadStream(source.path), length: info.size };
  }
  let response: Response;
  try {
    response = await fetch(source.url); // follows the hub's redirects to its CDN
  } catch (error) {
    throw fetchError(source.url, error);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} ${response.statusText} fetching ${source.url}`);
  }
  const announced = response.headers.get('content-length');
  // fetch() decompresses a content-encoded body, so its content-length is not the file's size then.
  const length = announced !== null && !response.headers.has('content-encoding') ? Number(announced) : null;
  return { source, body: Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), length };
}

export async function hashFile(path: string): Promise<Observed> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Why `observed` fails `expected`, or null when it passes. */
export function mismatch(label: string, expected: Expected, observed: Observed): string | null {
  if (expected.bytes !== null && observed.bytes !== expected.bytes) {
    return `size mismatch for ${label}: expected ${expected.bytes} bytes (${expected.origin}), got ${observed.bytes}`;
  }
  if (expected.sha256 !== null && observed.sha256 !== expected.sha256.toLowerCase()) {
    return `checksum mismatch for ${label}: expected sha256 ${expected.sha256} (${expected.origin}), got ${observed.sha256}`;
  }
  return null;
}

/**
 * Streams an opened source to `dest` through a temporary file in the same folder, hashing on the way, and renames it
 * into place only once it matches `expected`: a failed or interrupted transfer never leaves a file under `dest`.
 */
export async function writeVerified(
  label: string,
  opened: OpenedSource,
  dest: string,
  expected: Expected,
  onBytes: (received: number) => void,
): Promise<Observed> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(4).toString('hex')}.partial`);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    try {
      await pipeline(
        opened.body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            onBytes(bytes);
            yield chunk;
          }
        },
        createWriteStream(temp),
      );
    } catch (error) {
      if (opened.source.kind === 'url') throw fetchError(opened.source.url, error);
      throw error;
    }
    const observed = { bytes, sha256: hash.digest('hex') };
    const problem = mismatch(label, expected, observed);
    if (problem) throw new Error(`${problem} (source: ${describeSource(opened.source)})`);
    await rename(temp, dest);
    return observed;
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Runs `task` over `items`, at most `limit` at once. After the first failure no new task starts; the ones in flight
 * finish (so they clean up their temporary files) before that first error is thrown.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
