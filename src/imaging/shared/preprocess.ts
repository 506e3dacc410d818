import type { Pixels, RgbImage } from './image.js';
import { resize, type Resample } from './resample.js';

/** How an image encoder wants its input: the rule of the model's preprocessor_config.json, spelled out. */
export interface PreprocessSpec {
  /** The shorter side is resized to this; the longer keeps the aspect ratio (floor, as Hugging Face does). */
  readonly resizeShortestEdge: number;
  readonly resample: Resample;
  /** Square center crop after the resize. */
  readonly cropSize: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export function shortestEdgeSize(width: number, height: number, shortestEdge: number): [number, number] {
  if (width <= height) return [shortestEdge, Math.floor((shortestEdge * height) / width)];
  return [Math.floor((shortestEdge * width) / height), shortestEdge];
}

/** Center crop with Hugging Face's rounding (offset = floor((size - crop) / 2)); pads with black if too small. */
export function centerCrop(src: RgbImage, cropWidth: number, cropHeight: number): RgbImage {
  const top = Math.floor((src.height - cropHeight) / 2);
  const left = Math.floor((src.width - cropWidth) / 2);
  const out = new Uint8Array(cropWidth * cropHeight * 3);
  for (let y = 0; y < cropHeight; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= src.height) continue;
    for (let x = 0; x < cropWidth; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= src.width) continue;
      const s = (sy * src.width + sx) * 3;
      const o = (y * cropWidth + x) * 3;
      out[o] = src.data[s]!;
      out[o + 1] = src.data[s + 1]!;
      out[o + 2] = src.data[s + 2]!;
    }
  }
  return { width: cropWidth, height: cropHeight, data: out };
}

/** Rescale to [0,1], subtract mean, divide by std; planar CHW float32 as `pixel_values` expects. */
export function normalizeToChw(src: RgbImage, mean: PreprocessSpec['mean'], std: PreprocessSpec['std']): Float32Array {
  const plane = src.width * src.height;
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (src.data[i * 3 + c]! / 255 - m) / s;
  }
  return out;
}

/**
 * How a non-square photo becomes the model's square input. `crop` is CLIP's rule (shortest edge, center crop);
 * `squash` stretches the whole photo to a square first, which matches catalogs whose product shots were stretched
 * to squares (the demo catalog) and keeps the whole garment in view.
 */
export type Framing = 'crop' | 'squash';

/**
 * Pillow's `reducing_gap` for the resize: a photo at least 3× the model's input size in a dimension is first
 * box-reduced by whole factors (Pillow's `reduce`), then resampled. Bit-exact with Pillow's
 * `resize(size, resample, reducing_gap=3)`, which Pillow documents as indistinguishable from the full filter; photos
 * under 3× (catalog shots, the 900×1200 query photos) are untouched, and a 35-megapixel phone photo costs tens of
 * milliseconds instead of seconds (the full antialiased filter reads every pixel into dozens of taps).
 */
export const REDUCING_GAP = 3;

/** The size a width×height photo is resized to before the crop. */
export function resizeSize(width: number, height: number, spec: PreprocessSpec, framing: Framing): [number, number] {
  return framing === 'squash' ? [spec.resizeShortestEdge, spec.resizeShortestEdge] : shortestEdgeSize(width, height, spec.resizeShortestEdge);
}

/** Decoded pixels (RGBA or RGB) to one `[3, crop, crop]` model input, identically in Node and in the browser. */
export function preprocess(image: Pixels, spec: PreprocessSpec, framing: Framing): Float32Array {
  const [w, h] = resizeSize(image.width, image.height, spec, framing);
  // RGBA is flattened onto white inside the resize (pixel by pixel, as rgbaToRgbOnWhite does).
  const resized = resize(image, w, h, spec.resample, REDUCING_GAP);
  const cropped = centerCrop(resized, spec.cropSize, spec.cropSize);
  return normalizeToChw(cropped, spec.mean, spec.std);
}
