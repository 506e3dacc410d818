import type { EncoderRecord, ImageEncoderSpec, TextEncoderSpec } from '../../models/shared/manifest.js';
import type { IndexConfig, SearchConfig } from './config.js';
import type { VectorEncoding } from '../../vectors/shared/codec.js';

/**
 * The artifact set a build writes and the page/CLI read: `manifest.json` describes every other file, with its
 * size and SHA-256. Bump FORMAT_VERSION on any incompatible change; readers refuse other versions.
 */
export const ARTIFACT_FORMAT = 'vitrine-artifacts';
export const FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const STATS_FILE = 'index_stats.json';

export interface ArtifactFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface VectorSetRecord {
  readonly file: string;
  readonly encoding: VectorEncoding;
  readonly rows: number;
  readonly dim: number;
}

/** Where a scope (the whole catalog or one category) is searched: an HNSW graph file, or an exact scan. */
export type ScopeIndex = { readonly kind: 'exact' } | { readonly kind: 'hnsw'; readonly file: string };

export interface CategoryRecord {
  readonly name: string;
  readonly products: number;
  readonly entries: number;
  readonly index: ScopeIndex;
}

export interface Product {
  /** Catalog id: the labels' id, else the file name without extension. */
  readonly id: string;
  readonly filename: string;
  /** Path of the image relative to the catalog folder (URL path in the page). */
  readonly image: string;
  readonly name: string | null;
  /** Category used for search: the label when there is one, else the zero-shot prediction. */
  readonly category: string;
  readonly labelCategory: string | null;
  readonly predictedCategory: string;
  readonly predictedCategoryConfidence: number;
  readonly color: string | null;
  readonly predictedColor: string;
  readonly gender: string | null;
}

export interface ArtifactManifest {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly version: typeof FORMAT_VERSION;
  /** Content address of the build: SHA-256 over the sorted file list. Caches key on it. */
  readonly buildId: string;
  readonly createdAt: string;
  readonly profile: string;
  readonly models: {
    readonly imageSemantic: EncoderRecord<ImageEncoderSpec>;
    readonly textSemantic: EncoderRecord<TextEncoderSpec>;
    readonly visual: EncoderRecord<ImageEncoderSpec>;
  };
  readonly counts: { readonly products: number; readonly entries: number; readonly skipped: number };
  readonly products: string;
  /** Entry row → product index (u32 little-endian); entries beyond the products are augmented copies. */
  readonly entryProducts: string;
  readonly vectors: {
    readonly semantic: VectorSetRecord;
    readonly visual: VectorSetRecord;
    readonly text: VectorSetRecord;
  };
  readonly hnsw: { readonly space: 'ip'; readonly m: number; readonly efConstruction: number };
  readonly catalogIndex: ScopeIndex;
  readonly categories: readonly CategoryRecord[];
  /** Classifier label set (catalog categories + well-known ones it may lack) and their prompt embeddings. */
  readonly prompts: { readonly categories: readonly string[]; readonly vectors: VectorSetRecord };
  /** Mean cosine between unrelated catalog items, per space and pairing: the zero point of calibrated scores. */
  readonly calibration: {
    readonly semanticBaseline: number;
    readonly visualBaseline: number;
    /** A product name's text embedding against another product's photo. */
    readonly textPhotoBaseline: number;
    /** Two product names. */
    readonly textTextBaseline: number;
    /** How alike the catalog's own photos are: what a photo's nearest product is compared with. */
    readonly catalogLikeness: CatalogLikeness;
  };
  readonly index: IndexConfig;
  readonly search: SearchConfig;
  readonly files: readonly ArtifactFile[];
  /**
   * Remote mode, set only on the manifest `npm run serve` serves: searches go to this API (a URL relative to the
   * manifest's folder's parent, the page's base) and the page downloads the models, not the index.
   */
  readonly remote?: { readonly api: string };
}

/**
 * The catalog's leave-one-out nearest-neighbour similarity (semantic cosine of a product to its most similar other
 * product), over a sample of products: a photo whose nearest product is less similar than this distribution's low
 * end is unlike the catalog's photos (a shopper's photo, not a studio shot).
 */
export interface CatalogLikeness {
  /** Products sampled. */
  readonly sampled: number;
  /** 5th percentile. */
  readonly low: number;
  /** Median. */
  readonly typical: number;
}

/** Reads one artifact file and checks it against its manifest record (size + SHA-256), however it is stored. */
export type ReadArtifact = (file: ArtifactFile) => Promise<Uint8Array>;

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

/** Checks what a reader relies on before it trusts the rest; the message says what to do. */
export function validateManifest(value: unknown): ArtifactManifest {
  const m = value as Partial<ArtifactManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== ARTIFACT_FORMAT) {
    throw new ArtifactError('not a Vitrine artifact manifest (missing "format": "vitrine-artifacts")');
  }
  if (m.version !== FORMAT_VERSION) {
    throw new ArtifactError(
      `artifact format version ${String(m.version)} is not supported (this build reads version ${FORMAT_VERSION}); rebuild the index with npm run build:index`,
    );
  }
  const required = ['buildId', 'models', 'counts', 'vectors', 'catalogIndex', 'categories', 'prompts', 'files', 'search'] as const;
  for (const key of required) if (m[key] === undefined) throw new ArtifactError(`artifact manifest lacks "${key}"`);
  const { vectors, models, counts } = m as ArtifactManifest;
  if (m.calibration?.catalogLikeness === undefined) {
    throw new ArtifactError('this index was built before catalog-likeness statistics were recorded; rebuild it with npm run build:index');
  }
  const dims: [string, number, number][] = [
    ['semantic vectors', vectors.semantic.dim, models.imageSemantic.spec.dim],
    ['visual vectors', vectors.visual.dim, models.visual.spec.dim],
    ['text vectors', vectors.text.dim, models.textSemantic.spec.dim],
    ['prompt vectors', m.prompts!.vectors.dim, models.textSemantic.spec.dim],
  ];
  for (const [what, have, want] of dims) {
    if (have !== want) throw new ArtifactError(`${what} are ${have}-d but the model gives ${want}-d: the index was built with another model`);
  }
  if (vectors.semantic.rows !== counts.entries || vectors.visual.rows !== counts.entries || vectors.text.rows !== counts.products) {
    throw new ArtifactError('vector counts do not match the manifest counts');
  }
  // Same origin only: the page's Content-Security-Policy allows no other, and the shopper was told "the shop's server".
  if (m.remote !== undefined && !(typeof m.remote?.api === 'string' && /^[\w./-]+$/.test(m.remote.api) && !m.remote.api.startsWith('/'))) {
    throw new ArtifactError('artifact manifest "remote.api" must be a path relative to the page, such as "api/search"');
  }
  return m as ArtifactManifest;
}

export function fileRecord(manifest: Pick<ArtifactManifest, 'files'>, path: string): ArtifactFile {
  const record = manifest.files.find((f) => f.path === path);
  if (!record) throw new ArtifactError(`artifact manifest lists no file "${path}"`);
  return record;
}
