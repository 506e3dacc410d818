/**
 * An image's pixel size, read from its file header before anything decodes it. A decompression bomb (a 20000×20000
 * PNG of a few hundred kB, a JPEG that claims 65535×65535) is refused from these numbers, on both sides: in Node
 * before sharp allocates, and in the browser before createImageBitmap allocates (it checks nothing and would
 * decode 1.6 GB first). The readers cover the formats sniffImage accepts; each needs only the first bytes of the
 * file (JPEG: up to its frame header, past any EXIF or ICC segments), so the browser reads a prefix, not the file.
 */
import type { ImageFormat } from './sniff.js';

export type HeaderSize =
  | { readonly kind: 'size'; readonly width: number; readonly height: number }
  /** The header continues past the bytes given: call again with at least this many (when the file has them). */
  | { readonly kind: 'more'; readonly bytes: number }
  | { readonly kind: 'bad' };

const more = (bytes: number): HeaderSize => ({ kind: 'more', bytes });
const BAD: HeaderSize = { kind: 'bad' };

function size(width: number, height: number): HeaderSize {
  return width > 0 && height > 0 ? { kind: 'size', width, height } : BAD;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => b[i]! * 2 ** 24 + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const u32le = (b: Uint8Array, i: number) => b[i]! + ((b[i + 1]! << 8) | (b[i + 2]! << 16)) + b[i + 3]! * 2 ** 24;
const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);

/** IHDR is the first chunk: width and height, big-endian, at bytes 16 and 20. */
function png(b: Uint8Array): HeaderSize {
  if (b.length < 24) return more(24);
  if (fourcc(b, 12) !== 'IHDR') return BAD;
  return size(u32be(b, 16), u32be(b, 20));
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4 (DHT), C8 and CC (DAC) are not frames. */
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Walks the marker segments (APPn, DQT, DHT…) to the first frame header. */
function jpeg(b: Uint8Array): HeaderSize {
  let i = 2;
  for (;;) {
    if (i + 1 >= b.length) return more(i + 2);
    if (b[i] !== 0xff) return BAD;
    while (b[i] === 0xff) {
      i++;
      if (i >= b.length) return more(i + 1);
    }
    const marker = b[i++]!;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) return BAD; // end of image or image data before any frame header
    if (i + 2 > b.length) return more(i + 2);
    const length = u16be(b, i);
    if (length < 2) return BAD;
    if (isFrameMarker(marker)) {
      if (i + 7 > b.length) return more(i + 7);
      // A height of 0 defers it to a DNL marker, which neither decoder supports.
      return size(u16be(b, i + 5), u16be(b, i + 3));
    }
    i += length;
  }
}

/** Logical screen, widened by the first frame when that frame reaches past it (decoders then show all of it). */
function gif(b: Uint8Array): HeaderSize {
  if (b.length < 13) return more(13);
  let width = u16le(b, 6);
  let height = u16le(b, 8);
  let i = 13;
  if (b[10]! & 0x80) i += 3 * 2 ** ((b[10]! & 0x07) + 1);
  for (;;) {
    if (i >= b.length) return more(i + 1);
    const block = b[i]!;
    if (block === 0x2c) {
      if (i + 9 > b.length) return more(i + 9);
      width = Math.max(width, u16le(b, i + 1) + u16le(b, i + 5));
      height = Math.max(height, u16le(b, i + 3) + u16le(b, i + 7));
      return size(width, height);
    }
    if (block !== 0x21) return BAD; // the trailer, or garbage, before any frame
    i += 2; // introducer and label, then data sub-blocks until a zero-length one
    for (;;) {
      if (i >= b.length) return more(i + 1);
      const length = b[i]!;
      i += 1 + length;
      if (length === 0) break;
    }
  }
}

/** The first chunk says which kind of WebP it is; each keeps its size in its own place. */
function webp(b: Uint8Array): HeaderSize {
  if (b.length < 30) return more(30);
  const chunk = fourcc(b, 12);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return BAD;
    return size(u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return BAD;
    const bits = u32le(b, 21);
    return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') return size(u24le(b, 24) + 1, u24le(b, 27) + 1);
  return BAD;
}

interface Box {
  readonly type: string;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

/** ISO-BMFF boxes between `from` and `to` (`to` may lie past the bytes given: the file is longer). */
function* boxes(b: Uint8Array, from: number, to: number): Generator<Box | { readonly more: number } | null> {
  for (let i = from; i < to; ) {
    if (i + 8 > b.length) {
      yield { more: i + 16 };
      return;
    }
    let length = u32be(b, i);
    let body = i + 8;
    if (length === 1) {
      if (i + 16 > b.length) {
        yield { more: i + 16 };
        return;
      }
      length = u32be(b, i + 8) * 2 ** 32 + u32be(b, i + 12);
      body = i + 16;
    } else if (length === 0) length = to - i;
    if (length < body - i) {
      yield null;
      return;
    }
    yield { type: fourcc(b, i + 4), start: i, body, end: i + length };
    i += length;
  }
}

/**
 * AVIF stills keep each image item's size in an `ispe` property (meta › iprp › ipco); the largest is the one a
 * decoder can be made to allocate (a grid's full canvas, not its tiles). AVIF sequences may carry only a movie
 * track: its `tkhd` holds the size (16.16 fixed point).
 */
function avif(b: Uint8Array): HeaderSize {
  let best: { width: number; height: number } | null = null;
  const consider = (width: number, height: number) => {
    if (!best || width * height > best.width * best.height) best = { width, height };
  };
  // Descends into the containers on the way to a size; returns a request for more bytes, BAD, or null (done).
  const walk = (from: number, to: number, path: string): HeaderSize | null => {
    for (const box of boxes(b, from, to)) {
      if (box === null) return BAD;
      if ('more' in box) return more(box.more);
      const inside = `${path}/${box.type}`;
      const container = ['/meta', '/meta/iprp', '/meta/iprp/ipco', '/moov', '/moov/trak', '/moov/trak/mdia'].includes(inside);
      const wanted = container || inside === '/meta/iprp/ipco/ispe' || inside === '/moov/trak/tkhd';
      if (!wanted) continue;
      if (box.end > b.length) return more(box.end);
      if (inside === '/meta/iprp/ipco/ispe') {
        if (box.body + 12 > box.end) return BAD;
        consider(u32be(b, box.body + 4), u32be(b, box.body + 8));
      } else if (inside === '/moov/trak/tkhd') {
        const at = box.body + (b[box.body] === 1 ? 88 : 76);
        if (at + 8 > box.end) return BAD;
        consider(Math.ceil(u32be(b, at) / 65536), Math.ceil(u32be(b, at + 4) / 65536));
      } else {
        const found = walk(box.type === 'meta' ? box.body + 4 : box.body, box.end, inside); // meta is a full box
        if (found) return found;
      }
      if (path === '' && best) return null; // the top-level box that held a size: enough
    }
    return null;
  };
  const walked = walk(0, Number.MAX_SAFE_INTEGER, '');
  if (walked?.kind === 'more' && walked.bytes > b.length) return walked;
  const found = best as { width: number; height: number } | null;
  return found ? size(found.width, found.height) : BAD;
}

const READERS: Record<ImageFormat, (b: Uint8Array) => HeaderSize> = { jpeg, png, gif, webp, avif };

/**
 * The pixel size the file's header declares. `complete` says whether `bytes` is the whole file: when it is, a
 * header that runs past the end is damage, not a reason to read more.
 */
export function readImageSize(format: ImageFormat, bytes: Uint8Array, complete: boolean): HeaderSize {
  const found = READERS[format](bytes);
  if (found.kind === 'more' && (complete || found.bytes <= bytes.length)) return BAD;
  return found;
}
