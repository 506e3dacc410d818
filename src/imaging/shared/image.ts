/** Decoded pixels, 8 bits per channel, straight (not premultiplied) alpha, row-major RGBA. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Same pixels, 3 channels, row-major RGB. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** What a decoder hands the towers: RGBA as decoded, or RGB once a reduction has flattened it onto white. */
export type Pixels = RgbaImage | RgbImage;


export function assertRgba(image: RgbaImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size ${width}x${height} is not a positive integer size`);
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(`image buffer holds ${data.length} bytes, expected ${width * height * 4} for ${width}x${height} RGBA`);
  }
}

/**
 * Flattens alpha onto white. Product photos are shot on white, so a transparent cut-out should look like one;
 * doing it here (not in the decoder) keeps Node and browser identical.
 */
export function rgbaToRgbOnWhite(image: RgbaImage): RgbImage {
  assertRgba(image);
  const { width, height, data } = image;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const alpha = data[i + 3]!;
    if (alpha === 255) {
      out[o] = data[i]!;
      out[o + 1] = data[i + 1]!;
      out[o + 2] = data[i + 2]!;
    } else {
      const white = 255 * (255 - alpha);
      out[o] = Math.round((data[i]! * alpha + white) / 255);
      out[o + 1] = Math.round((data[i + 1]! * alpha + white) / 255);
      out[o + 2] = Math.round((data[i + 2]! * alpha + white) / 255);
    }
  }
  return { width, height, data: out };
}

/** RGB as it is; RGBA flattened onto white. */
export function flattenOnWhite(image: Pixels): RgbImage {
  const { width, height, data } = image;
  if (data.length === width * height * 4) return rgbaToRgbOnWhite(image);
  if (data.length !== width * height * 3 || !(data instanceof Uint8Array)) throw new RangeError(`image buffer holds ${data.length} bytes, not ${width}x${height} RGB or RGBA`);
  return { width, height, data };
}
