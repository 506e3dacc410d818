import type { RgbImage } from './image.js';

export type Resample = 'bilinear' | 'bicubic';

interface Filter {
  readonly support: number;
  weight(x: number): number;
}

// Pillow's filters (Imaging/Resample.c): the ones Hugging Face and torchvision pre-processing use for CLIP and ResNet.
const FILTERS: Record<Resample, Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      return ax < 1 ? 1 - ax : 0;
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
};

// Pillow resamples 8-bit images in fixed point with this many fractional bits and rounds to 8 bits after each
// pass; doing the same makes our output equal Pillow's, not merely close.
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly taps: number;
}

/** Antialiased 1-D coefficients: the kernel widens with the downscale factor, as in Pillow. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const real = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < n; x++) {
      const w = filter.weight((x + xmin - center + 0.5) / filterScale);
      real[x] = w;
      total += w;
    }
    for (let x = 0; x < n; x++) {
      const w = total === 0 ? real[x]! : real[x]! / total;
      weights[xx * taps + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = n;
  }
  return { first, count, weights, taps };
}

function clip8(accumulator: number): number {
  const v = Math.floor((accumulator + HALF) / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resizeHorizontal(src: RgbImage, outWidth: number, filter: Filter): RgbImage {
  const { width, height, data } = src;
  const c = coefficients(width, outWidth, filter);
  const out = new Uint8Array(outWidth * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    const outRow = y * outWidth * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.first[xx]!;
      const n = c.count[xx]!;
      const k = xx * c.taps;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let x = 0; x < n; x++) {
        const w = c.weights[k + x]!;
        const p = row + (xmin + x) * 3;
        r += data[p]! * w;
        g += data[p + 1]! * w;
        b += data[p + 2]! * w;
      }
      const o = outRow + xx * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width: outWidth, height, data: out };
}

function resizeVertical(src: RgbImage, outHeight: number, filter: Filter): RgbImage {
  const { width, height, data } = src;
  const c = coefficients(height, outHeight, filter);
  const out = new Uint8Array(width * outHeight * 3);
  const stride = width * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.first[yy]!;
    const n = c.count[yy]!;
    const k = yy * c.taps;
    const outRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let acc = 0;
      for (let y = 0; y < n; y++) acc += data[(ymin + y) * stride + i]! * c.weights[k + y]!;
      out[outRow + i] = clip8(acc);
    }
  }
  return { width, height: outHeight, data: out };
}

/** Resizes like Pillow's `Image.resize(size, resample)` on an RGB image: horizontal pass, then vertical. */
export function resize(src: RgbImage, outWidth: number, outHeight: number, resample: Resample): RgbImage {
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth < 1 || outHeight < 1) {
    throw new RangeError(`cannot resize to ${outWidth}x${outHeight}`);
  }
  const filter = FILTERS[resample];
  let img = src;
  if (outWidth !== img.width) img = resizeHorizontal(img, outWidth, filter);
  if (outHeight !== img.height) img = resizeVertical(img, outHeight, filter);
  return img;
}
