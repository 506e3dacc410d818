import type { Pixels, RgbaImage } from '../shared/image.js';
import { DAMAGED, imageError, inspectImage, MAX_INPUT_PIXELS, tooManyPixels, type ImageInfo } from '../shared/inspect.js';
import { reducedSize, type Reduction } from '../shared/reduction.js';
import { reduce } from '../shared/resample.js';

/** Enough for every header but a JPEG with large EXIF/ICC segments, which asks for more (see inspectImage). */
const FIRST_READ = 64 * 1024;
/** Rows copied out of a decoded bitmap at a time: a few MB of canvas instead of a second full-size copy. */
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

function context2d(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!context) throw new Error('this browser cannot draw images off screen');
  context.imageSmoothingEnabled = false; // 1:1 copies; nothing is resampled here
  return context;
}

let jpegScaling: Promise<boolean> | null = null;

/** WebCodecs' ImageDecoder, whose JPEG decoder honours a desired size with libjpeg's DCT scaling (Chromium). */
function canDecodeJpegScaled(): Promise<boolean> {
  jpegScaling ??= typeof ImageDecoder === 'undefined' ? Promise.resolve(false) : ImageDecoder.isTypeSupported('image/jpeg').catch(() => false);
  return jpegScaling;
}

/**
 * A JPEG decoded at 1/factor while decoding: the same pixels as sharp's shrink-on-load and Pillow's `draft`. The
 * frame comes with its EXIF rotation, which drawing applies. Null when the decoder chose another size (a browser
 * that does not scale), so the caller decodes every pixel instead.
 */
async function decodeJpegReduced(blob: Blob, header: ImageInfo, factor: number, label: string): Promise<RgbaImage | null> {
  const [width, height] = reducedSize(header.width, header.height, factor);
  const decoder = new ImageDecoder({ data: await blob.arrayBuffer(), type: 'image/jpeg', desiredWidth: width, desiredHeight: height, colorSpaceConversion: 'default' });
  try {
    let frame: VideoFrame;
    try {
      ({ image: frame } = await decoder.decode());
    } catch {
      throw imageError(label, DAMAGED);
    }
    try {
      if (frame.codedWidth !== width || frame.codedHeight !== height) return null;
      const context = context2d(frame.displayWidth, frame.displayHeight);
      context.drawImage(frame, 0, 0);
      const { data } = context.getImageData(0, 0, frame.displayWidth, frame.displayHeight, { colorSpace: 'srgb' });
      return { width: frame.displayWidth, height: frame.displayHeight, data };
    } finally {
      frame.close();
    }
  } finally {
    decoder.close();
  }
}

/**
 * Every pixel decoded by createImageBitmap, copied out in strips — each strip box-reduced by `factor` on the way
 * (the rows of a strip are a whole number of blocks, so strip by strip equals all at once), so no full-size copy of
 * a large photo is made.
 */
async function decodeBitmap(blob: Blob, factor: number, label: string): Promise<Pixels> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw imageError(label, DAMAGED);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_INPUT_PIXELS) throw imageError(label, tooManyPixels(width, height));
    const rows = Math.max(1, Math.min(height, Math.floor(STRIP_PIXELS / width / factor))) * factor;
    const context = context2d(width, rows);
    const [outWidth, outHeight] = reducedSize(width, height, factor);
    // RGBA as decoded, or RGB once reduced (the reduction flattens alpha onto white).
    const channels = factor === 1 ? 4 : 3;
    const data = new Uint8Array(outWidth * outHeight * channels);
    for (let top = 0; top < height; top += rows) {
      const strip = Math.min(rows, height - top);
      context.clearRect(0, 0, width, rows);
      context.drawImage(bitmap, 0, top, width, strip, 0, 0, width, strip);
      const pixels = context.getImageData(0, 0, width, strip, { colorSpace: 'srgb' }).data;
      data.set(factor === 1 ? pixels : reduce({ width, height: strip, data: pixels }, factor, factor).data, (top / factor) * outWidth * channels);
    }
    return { width: outWidth, height: outHeight, data };
  } finally {
    bitmap.close();
  }
}

/**
 * A photo file → upright (EXIF orientation applied) sRGB pixels, first frame, reduced by the factor `reduction`
 * picks for its size (see reduction.ts): the pixels the Node decoder gives. Format and pixel count are judged from
 * the header by the shared code before the browser decodes anything (createImageBitmap would allocate a
 * decompression bomb's gigabytes first), so the page accepts and refuses the files the CLI does, with the same
 * words. The browser only decodes; every numeric step after this is the shared core's, as in Node.
 */
export async function decodeImageBlob(blob: Blob, label: string, reduction: Reduction): Promise<Pixels> {
  const header = await inspectBlob(blob, label);
  const factor = reduction(header);
  if (factor > 1 && header.format === 'jpeg' && (await canDecodeJpegScaled())) {
    const reduced = await decodeJpegReduced(blob, header, factor, label);
    if (reduced) return reduced;
  }
  return decodeBitmap(blob, factor, label);
}
