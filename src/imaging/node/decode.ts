import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Pixels, RgbaImage } from '../shared/image.js';
import { DAMAGED, imageError, inspectImage, MAX_INPUT_PIXELS, tooManyPixels, type ImageInfo } from '../shared/inspect.js';
import type { Reduction } from '../shared/reduction.js';
import { reduce } from '../shared/resample.js';

// limitInputPixels stays as a second guard behind the header check. failOn 'error' refuses damaged data and files
// cut short (which Chromium's decoder refuses too); mere warnings (extraneous bytes) are decoded, as browsers show them.
const LOAD = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 } as const;

async function rgba(image: Sharp): Promise<RgbaImage> {
  const { data, info } = await image.rotate().toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`decoder returned ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * A JPEG decoded at 1/factor by libjpeg's DCT scaling (the pixels Chromium's ImageDecoder and Pillow's `draft` give).
 * sharp reaches libvips' `shrink` load option only through a file name (`photo.jpg[shrink=8]`); its resize() would
 * shrink on load too, but always resamples the result again.
 */
async function decodeJpegReduced(bytes: Uint8Array, factor: number): Promise<RgbaImage> {
  const dir = await mkdtemp(join(tmpdir(), 'vitrine-decode-'));
  try {
    const path = join(dir, 'photo.jpg');
    await writeFile(path, bytes);
    return await rgba(sharp(`${path}[shrink=${factor}]`, LOAD));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function checkedHeader(bytes: Uint8Array, label: string): ImageInfo {
  const header = inspectImage(bytes, label, true);
  if (header.kind !== 'image') throw imageError(label, DAMAGED);
  return header;
}

async function decoding<T>(header: ImageInfo, label: string, decode: () => Promise<T>): Promise<T> {
  try {
    return await decode();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw imageError(label, /pixel limit/i.test(text) ? tooManyPixels(header.width, header.height) : DAMAGED);
  }
}

/**
 * File bytes → straight-alpha RGBA, upright (EXIF orientation applied), sRGB (CMYK and 16-bit converted), first
 * frame only, every pixel (the index build embeds catalog photos this way). Format and pixel count are checked from
 * the header first (shared with the browser, see inspectImage), so a decompression bomb is refused before sharp
 * allocates anything. Errors become an ImageDecodeError with a reason a person can act on.
 */
export async function decodeImage(bytes: Uint8Array, label = 'image'): Promise<RgbaImage> {
  const header = checkedHeader(bytes, label);
  return decoding(header, label, () => rgba(sharp(bytes, LOAD)));
}

/**
 * A query photo as the towers take it: decoded at 1/factor (see reduction.ts) — a JPEG while decoding, other formats
 * by the shared box reduction right after — upright, sRGB. The page's worker decodes the same pixels.
 */
export async function decodeForTowers(bytes: Uint8Array, label: string, reduction: Reduction): Promise<Pixels> {
  const header = checkedHeader(bytes, label);
  const factor = reduction(header);
  if (factor > 1 && header.format === 'jpeg') return decoding(header, label, () => decodeJpegReduced(bytes, factor));
  const image = await decodeImage(bytes, label);
  return factor > 1 ? reduce(image, factor, factor) : image;
}
