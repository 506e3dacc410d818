import type { Framing } from '../../imaging/shared/preprocess.js';
import type { SearchConfig } from './config.js';
import { ArtifactError, type ArtifactFile, type ArtifactManifest, type VectorSetRecord } from './format.js';

/**
 * The compact, sharded layout: a manifest, a router (every inverted list's centroid) and one file per cell — the
 * rows of one category, or of a part of a large one (at most `maxCellRows`). A search reads the router, picks the
 * lists nearest to the query and loads only the cells that hold them.
 */
export const COMPACT_FORMAT = 'vitrine-compact';
export const COMPACT_VERSION = 2;
/** Beside the manifest: the build's figures, the photo folder its products' images are in and the index it was made from. */
export const COMPACT_STATS_FILE = 'compact_stats.json';

export interface CellRecord {
  readonly file: string;
  readonly category: string;
  readonly rows: number;
  readonly lists: number;
}

export interface CompactManifest {
  readonly format: typeof COMPACT_FORMAT;
  readonly version: typeof COMPACT_VERSION;
  readonly buildId: string;
  readonly createdAt: string;
  readonly profile: string;
  readonly models: ArtifactManifest['models'];
  /** True when some vectors are derived, not embedded from a photo: such a catalog is for speed and size only. */
  readonly synthetic: boolean;
  /** Products whose vectors the encoders gave (the rest are derived). */
  readonly realProducts: number;
  readonly counts: { readonly products: number; readonly cells: number; readonly lists: number };
  readonly compact: {
    /** Seed of the random rotation every stored vector and every query go through. */
    readonly rotationSeed: number;
    readonly rowsPerList: number;
    readonly maxCellRows: number;
    /** Lists a search scans at least, and rows its 8-bit scan keeps for the 9-bit re-rank. */
    readonly probes: number;
    readonly shortlist: number;
  };
  readonly router: string;
  readonly cells: readonly CellRecord[];
  /** Catalog categories, biggest first, with their cells. */
  readonly categories: readonly { readonly name: string; readonly products: number; readonly cells: readonly number[] }[];
  readonly prompts: { readonly categories: readonly string[]; readonly vectors: VectorSetRecord };
  readonly calibration: ArtifactManifest['calibration'];
  readonly search: SearchConfig;
  /** How the catalog's photos were framed for the encoders: every query photo is framed alike. */
  readonly framing: Framing;
  /** Scopes with fewer products are scanned whole, as the single-file layout scans them exactly. */
  readonly exactBelow: number;
  readonly files: readonly ArtifactFile[];
}

/** Whether a served manifest is of the compact layout (else it is today's single-file one). */
export function isCompactManifest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === COMPACT_FORMAT;
}

export function validateCompactManifest(value: unknown): CompactManifest {
  const m = value as Partial<CompactManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== COMPACT_FORMAT) throw new ArtifactError('not a Vitrine compact manifest (missing "format": "vitrine-compact")');
  if (m.version !== COMPACT_VERSION) throw new ArtifactError(`compact format version ${String(m.version)} is not supported (this build reads ${COMPACT_VERSION})`);
  for (const key of ['buildId', 'models', 'counts', 'compact', 'router', 'cells', 'categories', 'prompts', 'search', 'framing', 'files'] as const) {
    if (m[key] === undefined) throw new ArtifactError(`compact manifest lacks "${key}"`);
  }
  const manifest = m as CompactManifest;
  if (manifest.cells.reduce((n, c) => n + c.rows, 0) !== manifest.counts.products) throw new ArtifactError('the cells do not add up to the manifest\'s products');
  return manifest;
}
