import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KAGGLE_COLUMNS, LabelsError, readLabels, type LabelsTable } from '../../catalog/node/labels.js';
import { scanCatalog, type CatalogImage } from '../../catalog/node/scan.js';
import type { Progress } from '../../common/shared/progress.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { decodeForTowers } from '../../imaging/node/decode.js';
import { ImageDecodeError } from '../../imaging/shared/inspect.js';
import { embedImages, queryReduction, type ImageEmbedders, type ImageEmbedding } from '../../models/shared/embed.js';
import { sha256Hex } from '../../common/node/checksum.js';
import type { EmbeddingCache } from '../../index/node/embedding-cache.js';

/** Every query photo under a folder (any depth; jpg, png, webp), in a stable order. */
export async function findQueryPhotos(dir: string): Promise<CatalogImage[]> {
  if (!existsSync(dir)) throw new Error(`queries folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`--queries must be a folder of photos, ${dir} is a file`);
  const photos = await scanCatalog(dir);
  if (photos.length === 0) throw new Error(`no photos (jpg, jpeg, png, webp) under ${dir}`);
  return photos;
}

/** The labels a query folder brings along: `styles.csv` in the folder itself, else in its parent. */
export function defaultLabelsPath(queriesDir: string): string | null {
  for (const candidate of [join(queriesDir, 'styles.csv'), join(dirname(queriesDir), 'styles.csv')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The labels CSV (id = column `id` or the first column; label = `column`), with eval's own flag in messages. */
export async function readQueryLabels(path: string, column: string): Promise<LabelsTable> {
  try {
    return await readLabels(path, { ...KAGGLE_COLUMNS, category: column });
  } catch (error) {
    if (error instanceof LabelsError) throw new LabelsError(error.message.replace('--category-column', '--label-column'));
    throw error;
  }
}

export interface EmbeddedPhoto {
  readonly photo: CatalogImage;
  readonly vectors: ImageEmbedding;
}

/** Cache variant of a query photo embedded whole. */
const WHOLE_PHOTO = 0;

/**
 * Decodes and embeds each photo once, framed like the index (batches keep memory flat for large photos).
 * Unreadable photos are collected with the reason, not fatal. With `cache` (keyed by file content, one file per
 * model fingerprint), photos embedded by an earlier run are read back instead: a rerun of the eval costs searches only.
 */
export async function embedQueryPhotos(
  embedders: ImageEmbedders,
  photos: readonly CatalogImage[],
  framing: Framing,
  progress: Progress,
  { batchSize = 16, cache = null }: { batchSize?: number; cache?: EmbeddingCache | null } = {},
): Promise<{ embedded: EmbeddedPhoto[]; unreadable: { file: string; reason: string }[] }> {
  const embedded: EmbeddedPhoto[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  // Decoded as the search engine decodes a query photo.
  const reduction = queryReduction(embedders, framing);
  progress.count('embedding query photos', 0, photos.length, 'photos');
  for (let start = 0; start < photos.length; start += batchSize) {
    const batch = photos.slice(start, start + batchSize);
    const decoded = await Promise.all(
      batch.map(async (photo) => {
        const bytes = new Uint8Array(await readFile(photo.absolutePath));
        const sha256 = sha256Hex(bytes);
        const cached = cache?.get(sha256, WHOLE_PHOTO);
        if (cached) return { photo, sha256, cached, image: null };
        try {
          return { photo, sha256, cached: null, image: await decodeForTowers(bytes, photo.relativePath, reduction) };
        } catch (error) {
          if (!(error instanceof ImageDecodeError)) throw error;
          unreadable.push({ file: photo.relativePath, reason: error.message });
          return null;
        }
      }),
    );
    const ok = decoded.filter((d) => d !== null);
    const toEmbed = ok.filter((d) => d.image !== null);
    const vectors = toEmbed.length > 0 ? await embedImages(embedders, toEmbed.map((d) => d.image!), framing) : [];
    const fresh = new Map(toEmbed.map((d, i) => [d, vectors[i]!]));
    for (const d of ok) {
      const v = d.cached ?? fresh.get(d)!;
      if (!d.cached) cache?.put(d.sha256, WHOLE_PHOTO, v.semantic, v.visual);
      embedded.push({ photo: d.photo, vectors: v });
    }
    progress.count('embedding query photos', Math.min(start + batchSize, photos.length), photos.length, 'photos');
  }
  return { embedded, unreadable };
}
