import type { Framing } from '../../imaging/shared/preprocess.js';

/** Messages between the build and its embedding workers (worker_threads, structured clone). */
export interface EmbedWorkerConfig {
  readonly entry: string;
  readonly profile: string;
  readonly assetsDir: string;
  readonly augmentCopies: number;
  readonly framing: Framing;
}

export interface EmbedJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly label: string;
  /** Embed only this one of PRODUCT_VARIANTS (scale catalogs) instead of the photo and its augmented copies. */
  readonly variant?: number;
}

/** Row-major vectors of the original (row 0) and its augmented copies, unit length. */
export type EmbedReply =
  | { readonly id: number; readonly ok: true; readonly semantic: Float32Array; readonly visual: Float32Array; readonly variants: number }
  | { readonly id: number; readonly ok: false; readonly error: string };
