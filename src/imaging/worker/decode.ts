import type { RgbaImage } from '../shared/image.js';
import { DAMAGED, imageError, inspectImage, MAX_INPUT_PIXELS, tooManyPixels, type ImageInfo } from '../shared/inspect.js';


/** Enough for every header but a JPEG with large EXIF/ICC segments, which asks for more (see inspectImage). */
const FIRST_READ = 64 * 1024;
/** Rows copied out of the decoded bitmap at a time: a few MB of canvas instead of a second full-size copy. */
const STRIP_PIXELS = 2_000_000;

/** Format and pixel size from the file's first bytes (never the whole file), refused as the Node decoder refuses. */
async function inspectBlob(blob: Blob, label: string): Promise<ImageInfo> {
  let length = Math.min(blob.size, FIRST_READ);
  for (;;) {
    const found = inspectImage(new Uint8Array(await blob.slice(0, length).arrayBuffer()), label, length >= blob.size);
    if (found.kind === 'image') return found;
    length = Math.min(blob.size, Math.max(found.bytes, length * 2));
  }
}

/**
 * A photo file → straight-alpha sRGB RGBA, upright (EXIF orientation applied), first frame. Format and pixel count
 * are judged from the header by the shared code before the browser decodes anything (createImageBitmap would
 * allocate a decompression bomb's gigabytes first), so the page accepts and refuses the files the CLI does, with
 * the same words. The browser only decodes; every numeric step after this is the shared core's, as in Node.
 */
export async function decodeImageBlob(blob: Blob, label: string): Promise<RgbaImage> {
  await inspectBlob(blob, label);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw imageError(label, DAMAGED);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_INPUT_PIXELS) throw imageError(label, tooManyPixels(width, height));
    const data = new Uint8ClampedArray(width * height * 4);
    const rows = Math.max(1, Math.min(height, Math.floor(STRIP_PIXELS / width)));
    const canvas = new OffscreenCanvas(width, rows);
    const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    if (!context) throw new Error('this browser cannot draw images off screen');
    context.imageSmoothingEnabled = false; // 1:1 copies; nothing is resampled here
    for (let top = 0; top < height; top += rows) {
      const strip = Math.min(rows, height - top);
      context.clearRect(0, 0, width, rows);
      context.drawImage(bitmap, 0, top, width, strip, 0, 0, width, strip);
      data.set(context.getImageData(0, 0, width, strip, { colorSpace: 'srgb' }).data, top * width * 4);
    }
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}
