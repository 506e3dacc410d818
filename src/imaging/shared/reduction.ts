/**
 * Decoding no more pixels than the towers need. A 12-megapixel phone photo ends up as two 224×224 inputs; decoding
 * all of it and resampling it in TypeScript cost most of a search. A JPEG can instead be decoded at 1/2, 1/4 or 1/8
 * of its size (libjpeg's DCT scaling: each 8×8 block is inverse-transformed to 4×4, 2×2 or 1×1 pixels), for a
 * fraction of the work, and sharp, Pillow and the browser's decoder all produce the same pixels for it. Other formats
 * are box-reduced by the same factor right after decoding (Pillow's `reduce`, shared code). Both towers then resample
 * the one reduced photo.
 *
 * The factor follows Pillow's `Image.draft` rule for a requested size: the largest of 8, 4, 2, 1 that divides
 * neither side below the request, so the whole pipeline stays checkable against Pillow (`draft` + `resize`).
 */
import { resizeSize, type Framing, type PreprocessSpec } from './preprocess.js';

/** Reduction factors a decoder offers, largest first: libjpeg's scaled decoding (scale_denom 8, 4, 2). */
export const DECODE_FACTORS = [8, 4, 2, 1] as const;

/**
 * How much larger than every tower's resize the reduced photo stays, at least. Above 1 so that the final antialiased
 * resize always shrinks (its filter then removes what the DCT's block averaging leaves above the model's
 * resolution). Measured against decoding every pixel (24 hires query photos as 12-megapixel phone shots, mini
 * models): cosine ≥ 0.9993 at the 1/8 this allows for them, ≥ 0.9995 at 1/4 (Pillow's thumbnail margin, 2), for
 * four times the pixels to decode and resample; a 900×1200 photo decodes at 1/2 (cosine ≥ 0.99997).
 */
export const REDUCTION_MARGIN = 1.25;

/** The factor to decode a photo of this stored size by, given what a decoder may reduce it to. */
export type Reduction = (size: { readonly width: number; readonly height: number }) => number;

/** The size the towers ask the decoder for: each tower's resize of this photo, times the margin, the larger of each. */
export function requestedSize(width: number, height: number, towers: readonly PreprocessSpec[], framing: Framing): [number, number] {
  let [w, h] = [1, 1];
  for (const spec of towers) {
    const [tw, th] = resizeSize(width, height, spec, framing);
    w = Math.max(w, Math.ceil(tw * REDUCTION_MARGIN));
    h = Math.max(h, Math.ceil(th * REDUCTION_MARGIN));
  }
  return [w, h];
}

/** Pillow's `draft` choice for a requested size: the largest factor that keeps both sides at least as large. */
export function draftFactor(width: number, height: number, [w, h]: readonly [number, number]): number {
  const scale = Math.min(Math.floor(width / w), Math.floor(height / h));
  return DECODE_FACTORS.find((f) => f <= scale) ?? 1;
}

/** The reduction that serves these towers under this framing. */
export function towerReduction(towers: readonly PreprocessSpec[], framing: Framing): Reduction {
  return ({ width, height }) => draftFactor(width, height, requestedSize(width, height, towers, framing));
}

/** The pixel size libjpeg (and so every decoder here) gives a photo decoded at 1/factor. */
export function reducedSize(width: number, height: number, factor: number): [number, number] {
  return [Math.ceil(width / factor), Math.ceil(height / factor)];
}
