import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

/** What a catalog photo may be: the formats both decoders read (see imaging/shared/sniff.ts). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif']);
/**
 * Image files neither decoder reads. They are picked up too, so the build reports each with what to do (convert
 * the iPhone's HEIC photos…) instead of silently leaving products out.
 */
export const REFUSED_IMAGE_EXTENSIONS = new Set(['.heic', '.heif', '.svg', '.tif', '.tiff', '.bmp']);

export interface CatalogImage {
  /** Path relative to the catalog folder, with forward slashes. */
  readonly relativePath: string;
  readonly absolutePath: string;
  /** File name without extension: the catalog id, matched against the labels' id column. */
  readonly stem: string;
}

/** Every image under the catalog folder, at any depth, in a stable (sorted) order. Hidden entries are skipped. */
export async function scanCatalog(root: string): Promise<CatalogImage[]> {
  const found: CatalogImage[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      // Symbolic links count as what they point to (a catalog assembled from links is common).
      const target = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
      if (target?.isDirectory()) await walk(path);
      else if (target?.isFile() && (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()) || REFUSED_IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))) {
        found.push({
          relativePath: relative(root, path).split(sep).join('/'),
          absolutePath: path,
          stem: entry.name.slice(0, -extname(entry.name).length),
        });
      }
    }
  };
  await walk(root);
  return found.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
}
