import sharp from 'sharp';
import type { RgbaImage } from '../shared/image.js';
import { sniffImage } from '../shared/sniff.js';

/** Decoding refuses more pixels than this: a decompression bomb costs 4 bytes per pixel once decoded. */
export const MAX_INPUT_PIXELS = 64_000_000;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(text)) return `the image has more than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels`;
  return 'the file is damaged or truncated';
}

/**
 * File bytes → straight-alpha RGBA, upright (EXIF orientation applied), sRGB (CMYK and 16-bit converted), first
 * frame only. Only the formats the browser reads too are accepted (see sniffImage). Errors become an
 * ImageDecodeError with a reason a person can act on.
 */
export async function decodeImage(bytes: Uint8Array, label = 'image'): Promise<RgbaImage> {
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) throw new ImageDecodeError(`${label}: cannot read this image — ${sniffed.reason}`);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 })
      .rotate()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoder returned ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new ImageDecodeError(`${label}: cannot read this image — ${reason(error)}`);
  }
}
