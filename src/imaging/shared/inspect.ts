/**
 * What both decoders check before they decode anything: the format (by content) and the pixel size (from the
 * header), with one wording for every refusal, so the CLI, the indexer and the page say the same thing.
 */
import { readImageSize } from './header.js';
import { sniffImage, type ImageFormat } from './sniff.js';

/**
 * Photos with more pixels than this are refused before decoding: decoded RGBA costs 4 bytes a pixel (64 MP =
 * 256 MB), and a decompression bomb is a small file claiming a huge size. Phone cameras make 12–50 MP.
 */
export const MAX_INPUT_PIXELS = 64_000_000;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

export const DAMAGED = 'the file is damaged or truncated';

export function imageError(label: string, reason: string): ImageDecodeError {
  return new ImageDecodeError(`${label}: cannot read this image — ${reason}`);
}

export function tooManyPixels(width: number, height: number): string {
  const megapixels = (width * height) / 1e6;
  return `it is ${width}×${height} pixels (${megapixels < 10 ? megapixels.toFixed(1) : Math.round(megapixels)} megapixels); photos up to ${MAX_INPUT_PIXELS / 1e6} megapixels can be searched — use a smaller copy`;
}

export interface ImageInfo {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

export type Inspection = ({ readonly kind: 'image' } & ImageInfo) | { readonly kind: 'more'; readonly bytes: number };

/**
 * Format and size from the first bytes of a file, or an ImageDecodeError saying why it cannot be searched.
 * `complete` = `bytes` is the whole file; otherwise the answer may be "read at least this many bytes and ask again"
 * (a JPEG's size sits after its EXIF and colour-profile segments).
 */
export function inspectImage(bytes: Uint8Array, label: string, complete: boolean): Inspection {
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) throw imageError(label, sniffed.reason);
  const found = readImageSize(sniffed.format, bytes, complete);
  if (found.kind === 'more') return found;
  if (found.kind === 'bad') throw imageError(label, DAMAGED);
  if (found.width * found.height > MAX_INPUT_PIXELS) throw imageError(label, tooManyPixels(found.width, found.height));
  return { kind: 'image', format: sniffed.format, width: found.width, height: found.height };
}
