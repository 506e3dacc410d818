import type { RgbaImage } from '../shared/image.js';

/** Same bound as the Node decoder: a decompression bomb costs 4 bytes per pixel once drawn. */
const MAX_INPUT_PIXELS = 64_000_000;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/**
 * A photo file → straight-alpha sRGB RGBA, upright (EXIF orientation applied), first frame. The browser only
 * decodes; every numeric step after this (resize, crop, normalise) is the shared core's, as in Node.
 */
export async function decodeImageBlob(blob: Blob, label: string): Promise<RgbaImage> {
  if (blob.size === 0) throw new ImageDecodeError(`${label}: the file is empty`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw new ImageDecodeError(`${label}: cannot read this image — the file is damaged or not an image format this browser can read`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_INPUT_PIXELS) {
      throw new ImageDecodeError(`${label}: cannot read this image — it has more than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels`);
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    if (!context) throw new ImageDecodeError(`${label}: this browser cannot draw images off screen`);
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}
