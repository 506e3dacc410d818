import { readFile } from 'node:fs/promises';
import type { CatalogImage } from '../../catalog/node/scan.js';
import type { Progress } from '../../common/shared/progress.js';
import { sha256Hex } from '../../common/node/checksum.js';
import type { EmbedPool } from './embed-pool.js';
import type { EmbeddingCache } from './embedding-cache.js';

export interface EmbeddedImage {
  readonly image: CatalogImage;
  readonly sha256: string;
  /** One unit vector per variant: [original, ...augmented copies]. */
  readonly semantic: Float32Array[];
  readonly visual: Float32Array[];
}

export interface SkippedImage {
  readonly path: string;
  readonly reason: string;
}

function rows(flat: Float32Array, variants: number): Float32Array[] {
  const dim = flat.length / variants;
  return Array.from({ length: variants }, (_, v) => flat.slice(v * dim, (v + 1) * dim));
}

/**
 * Embeds every catalog image (and its augmented copies) through the worker pool, reusing cached vectors for
 * files whose content was embedded before. Unreadable images are skipped and reported, never fatal.
 */
export async function embedCatalog(
  images: readonly CatalogImage[],
  { pool, cache, variants, inFlight, progress }: { pool: EmbedPool; cache: EmbeddingCache; variants: number; inFlight: number; progress: Progress },
): Promise<{ embedded: EmbeddedImage[]; skipped: SkippedImage[]; cached: number }> {
  let done = 0;
  const results: (EmbeddedImage | SkippedImage)[] = new Array(images.length);
  let cached = 0;
  let next = 0;

  const embedOne = async (index: number): Promise<void> => {
    const image = images[index]!;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(image.absolutePath));
    } catch (error) {
      results[index] = { path: image.relativePath, reason: `cannot read the file: ${(error as Error).message}` };
      return;
    }
    const sha256 = sha256Hex(bytes);
    const hits = Array.from({ length: variants }, (_, v) => cache.get(sha256, v));
    if (hits.every((h) => h !== undefined)) {
      cached++;
      results[index] = { image, sha256, semantic: hits.map((h) => h!.semantic), visual: hits.map((h) => h!.visual) };
      return;
    }
    const reply = await pool.embed(bytes, image.relativePath);
    if (!reply.ok) {
      results[index] = { path: image.relativePath, reason: reply.error };
      return;
    }
    const semantic = rows(reply.semantic, reply.variants);
    const visual = rows(reply.visual, reply.variants);
    semantic.forEach((s, v) => {
      if (!hits[v]) cache.put(sha256, v, s, visual[v]!);
    });
    results[index] = { image, sha256, semantic, visual };
  };

  const lane = async (): Promise<void> => {
    while (next < images.length) {
      const index = next++;
      await embedOne(index);
      progress.count('embedding', ++done, images.length, 'images');
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const embedded = results.filter((r): r is EmbeddedImage => 'sha256' in r);
  const skipped = results.filter((r): r is SkippedImage => !('sha256' in r));
  progress.line(`embedding: ${embedded.length} embedded (${cached} from cache), ${skipped.length} skipped`);
  return { embedded, skipped, cached };
}
