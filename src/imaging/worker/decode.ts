import type { RgbaImage } from '../shared/image.js';
import { sniffImage } from '../shared/sniff.js';

/** Same bound as the Node decoder: a decompression bomb costs 4 bytes per pixel once drawn. */
const MAX_INPUT_PIXELS = 64_000_000;
/** Enough of the file for sniffImage to tell every format it knows. */
const SNIFF_BYTES = 256;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/**
 * A photo file → straight-alpha sRGB RGBA, upright (EXIF orientation applied), first frame. The format is judged
 * from the bytes by the shared sniffer, so the page accepts and refuses the files the CLI does, with the same words.
 * The browser only decodes; every numeric step after this (resize, crop, normalise) is the shared core's, as in Node.
 */
export async function decodeImageBlob(blob: Blob, label: string): Promise<RgbaImage> {
  const fail = (reason: string) => new ImageDecodeError(`${label}: cannot read this image — ${reason}`);
  const sniffed = sniffImage(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));
  if (!sniffed.ok) throw fail(sniffed.reason);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw fail('the file is damaged or truncated');
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_INPUT_PIXELS) throw fail(`the image has more than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels`);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    if (!context) throw new Error('this browser cannot draw images off screen');
    context.drawImage(bitmap, 0, 0);
    return { width, height, data: context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data };
  } finally {
    bitmap.close();
  }
}
