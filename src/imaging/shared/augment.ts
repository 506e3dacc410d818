import type { RgbaImage } from './image.js';

/** Mirror image left-right. */
export function flipHorizontal(image: RgbaImage): RgbaImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = (y * width + (width - 1 - x)) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
      out[d + 3] = data[s + 3]!;
    }
  }
  return { width, height, data: out };
}

/** Keep the central `fraction` of each side: a closer framing of the same product. */
export function zoomCenter(image: RgbaImage, fraction: number): RgbaImage {
  const w = Math.max(1, Math.round(image.width * fraction));
  const h = Math.max(1, Math.round(image.height * fraction));
  const left = Math.floor((image.width - w) / 2);
  const top = Math.floor((image.height - h) / 2);
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const s = ((top + y) * image.width + left) * 4;
    out.set(image.data.subarray(s, s + w * 4), y * w * 4);
  }
  return { width: w, height: h, data: out };
}

/** The augmented copies indexed per product when `augmentCopies` > 0, in order; dedup collapses them at search. */
export const AUGMENTATIONS: readonly { readonly name: string; apply(image: RgbaImage): RgbaImage }[] = [
  { name: 'flip', apply: flipHorizontal },
  { name: 'zoom-85', apply: (im) => zoomCenter(im, 0.85) },
  { name: 'flip+zoom-85', apply: (im) => zoomCenter(flipHorizontal(im), 0.85) },
  { name: 'zoom-70', apply: (im) => zoomCenter(im, 0.7) },
];

export function augmentedCopies(image: RgbaImage, copies: number): RgbaImage[] {
  if (copies > AUGMENTATIONS.length) throw new RangeError(`at most ${AUGMENTATIONS.length} augmented copies are defined, asked for ${copies}`);
  return AUGMENTATIONS.slice(0, copies).map((a) => a.apply(image));
}

/**
 * Scale catalogs (npm run build:scale) treat these copies of a catalog photo as distinct products: variant 0 is the
 * photo itself. Kept apart from AUGMENTATIONS, whose names key every build's embedding cache.
 */
export const PRODUCT_VARIANTS: readonly { readonly name: string; apply(image: RgbaImage): RgbaImage }[] = [
  { name: 'original', apply: (im) => im },
  ...AUGMENTATIONS,
  { name: 'flip+zoom-70', apply: (im) => zoomCenter(flipHorizontal(im), 0.7) },
  { name: 'zoom-92', apply: (im) => zoomCenter(im, 0.92) },
  { name: 'flip+zoom-92', apply: (im) => zoomCenter(flipHorizontal(im), 0.92) },
  { name: 'zoom-78', apply: (im) => zoomCenter(im, 0.78) },
];
