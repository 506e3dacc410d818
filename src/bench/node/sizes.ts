import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelsConfig } from '../../models/node/config.js';
import { readManifest } from '../../artifacts/node/read.js';
import { validateCompactManifest } from '../../artifacts/shared/compact.js';
import { MANIFEST_FILE, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { pageCatalog } from '../../index/node/page-catalog.js';
import { resolveProfile } from '../../models/shared/manifest.js';

/** Files whose size does not grow with the catalog; every other artifact file does (vectors, graphs, products). */
const FIXED_FILES = (m: ArtifactManifest) => new Set([MANIFEST_FILE, m.prompts.vectors.file]);

export interface SizedFile {
  readonly path: string;
  readonly bytes: number;
  readonly per_product: number;
  /** Does not grow with the catalog. */
  readonly fixed: boolean;
}

export interface IndexSize {
  readonly name: string;
  readonly dir: string;
  readonly profile: string;
  readonly products: number;
  readonly entries: number;
  /** Every artifact file of the build, manifest included (what index_stats.json counts). */
  readonly total_bytes: number;
  readonly bytes_per_product: number;
  /** What the page downloads at most: its compact conversion (manifest, router, prompts and every shard). */
  readonly page_bytes: number;
  readonly page_bytes_per_product: number;
  /** Bytes per product of the build's files that grow with the catalog, and the size of the rest. */
  readonly scaling_bytes_per_product: number;
  readonly fixed_bytes: number;
  readonly files: readonly SizedFile[];
  /** The compact conversion's files (shards grow with the catalog; manifest, router and prompts hardly do). */
  readonly page_files: readonly SizedFile[];
  /** The two image encoders the page downloads. */
  readonly model_bytes: number;
}

export async function indexSize(name: string, dir: string): Promise<IndexSize> {
  const manifest = await readManifest(dir);
  const products = manifest.counts.products;
  const fixed = FIXED_FILES(manifest);
  const sized = (path: string, bytes: number, isFixed: boolean): SizedFile => ({ path, bytes, per_product: Math.round(bytes / products), fixed: isFixed });
  const files = [{ path: MANIFEST_FILE, bytes: statSync(join(dir, MANIFEST_FILE)).size }, ...manifest.files].map((f) => sized(f.path, f.bytes, fixed.has(f.path)));
  const pageDir = pageCatalog(dir);
  const page = validateCompactManifest(JSON.parse(readFileSync(join(pageDir, MANIFEST_FILE), 'utf8')));
  const pageFiles = [{ path: MANIFEST_FILE, bytes: statSync(join(pageDir, MANIFEST_FILE)).size }, ...page.files].map((f) => sized(f.path, f.bytes, !f.path.startsWith('cells/')));
  const sum = (list: readonly SizedFile[]) => list.reduce((s, f) => s + f.bytes, 0);
  const total = sum(files);
  const pageBytes = sum(pageFiles);
  const fixedBytes = sum(files.filter((f) => f.fixed));
  const modelBytes = [manifest.models.imageSemantic, manifest.models.visual].reduce((s, r) => s + r.files[r.spec.file]!.bytes, 0);
  return {
    name,
    dir,
    profile: manifest.profile,
    products,
    entries: manifest.counts.entries,
    total_bytes: total,
    bytes_per_product: Math.round(total / products),
    page_bytes: pageBytes,
    page_bytes_per_product: Math.round(pageBytes / products),
    scaling_bytes_per_product: Math.round((total - fixedBytes) / products),
    fixed_bytes: fixedBytes,
    files,
    page_files: pageFiles,
    model_bytes: modelBytes,
  };
}

export interface ProfileDownload {
  readonly profile: string;
  readonly products: number;
  /** Image encoders (the page never downloads the text encoder). */
  readonly model_bytes: number | null;
  /** Artifacts the page downloads at most (every shard of the compact layout). */
  readonly artifact_bytes: number;
  /** Page, worker and onnxruntime-web WASM build, as measured on a cold load (null when the page part did not run). */
  readonly app_bytes: number | null;
  readonly total_bytes: number | null;
  readonly basis: string;
}

/**
 * What a shopper downloads on a first visit, per model profile, for a catalog of `products`: measured on an index
 * built with that profile when there is one of that size, else scaled from an index built with the same vector
 * widths (files that grow with the catalog scale per product; manifest and prompt vectors do not).
 */
export function profileDownloads(indexes: readonly IndexSize[], products: number, appBytes: number | null): ProfileDownload[] {
  const config = loadModelsConfig();
  const out: ProfileDownload[] = [];
  // Page downloads: shards scale per product, the manifest, router and prompt vectors stay.
  const scaled = (i: IndexSize) => {
    const fixed = i.page_files.filter((f) => f.fixed).reduce((s, f) => s + f.bytes, 0);
    const growing = i.page_files.filter((f) => !f.fixed).reduce((s, f) => s + f.bytes, 0);
    return Math.round((growing / i.products) * products + fixed);
  };
  for (const name of Object.keys(config.profiles)) {
    const profile = resolveProfile(config, name);
    const dims = [profile.imageSemantic.spec.dim, profile.visual.spec.dim, profile.textSemantic.spec.dim].join('/');
    const same = indexes.find((i) => i.profile === name && i.products === products);
    // An index of another profile with the same vector widths stores the same bytes per product.
    const like =
      same ??
      indexes.find((i) => i.profile === name) ??
      indexes.find((i) => {
        const p = resolveProfile(config, i.profile);
        return [p.imageSemantic.spec.dim, p.visual.spec.dim, p.textSemantic.spec.dim].join('/') === dims;
      });
    if (!like) continue;
    // A model file without a pinned size (production ResNet-50) counts as the same-width stand-in of another
    // profile: the arch graphs are the production architectures, int8, only their weights are random.
    const notes: string[] = [];
    const modelBytes = [profile.imageSemantic, profile.visual].reduce<number | null>((sum, enc) => {
      const pinned = config.models[enc.model]!.files[enc.spec.file]!.bytes;
      if (typeof pinned === 'number') return sum === null ? null : sum + pinned;
      const standIn = Object.values(config.profiles)
        .flatMap((p) => [p.imageSemantic, p.visual])
        .map((ref) => ref.split('/'))
        .map(([model, encoder]) => ({ model: model!, spec: config.models[model!]?.encoders[encoder!] }))
        .find((e) => e.spec?.kind === 'image' && e.spec.dim === enc.spec.dim && typeof config.models[e.model]!.files[e.spec.file]?.bytes === 'number');
      if (!standIn?.spec) return null;
      notes.push(`${enc.model} has no pinned size: counted as ${standIn.model} (same width)`);
      return sum === null ? null : sum + config.models[standIn.model]!.files[standIn.spec.file]!.bytes!;
    }, 0);
    const artifactBytes = same ? same.page_bytes : scaled(like);
    out.push({
      profile: name,
      products,
      model_bytes: modelBytes,
      artifact_bytes: artifactBytes,
      app_bytes: appBytes,
      total_bytes: modelBytes === null || appBytes === null ? null : modelBytes + artifactBytes + appBytes,
      basis: same
        ? `measured: ${same.name} index`
        : `artifacts scaled from the ${like.name} index (${like.products.toLocaleString('en')} products, ${like.profile} profile, vectors ${dims})${notes.length ? `; ${notes.join('; ')}` : ''}${modelBytes === null ? '; a model file has no pinned size in config/models.json' : ''}`,
    });
  }
  return out;
}
