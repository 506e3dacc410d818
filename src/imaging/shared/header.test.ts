import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../vectors/shared/random.js';
import { readImageSize } from './header.js';
import { ImageDecodeError, inspectImage, MAX_INPUT_PIXELS } from './inspect.js';

const create = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#369' } });

describe('readImageSize: the pixel size from the header, before any decoding', () => {
  it('reads JPEG, PNG, GIF, WebP (lossy, lossless, extended) and AVIF sizes as the decoders report them', async () => {
    const cases: [string, Buffer][] = [
      ['jpeg', await create(321, 123).jpeg().toBuffer()],
      ['jpeg', await create(321, 123).jpeg({ progressive: true }).toBuffer()],
      ['png', await create(321, 123).png().toBuffer()],
      ['gif', await create(321, 123).gif().toBuffer()],
      ['webp', await create(321, 123).webp().toBuffer()],
      ['webp', await create(321, 123).webp({ lossless: true }).toBuffer()],
      ['webp', await create(321, 123).ensureAlpha(0.5).webp().toBuffer()], // VP8X: alpha
      ['avif', await create(321, 123).avif().toBuffer()],
    ];
    for (const [format, bytes] of cases) {
      expect(readImageSize(format as 'jpeg', new Uint8Array(bytes), true), format).toEqual({ kind: 'size', width: 321, height: 123 });
    }
  });

  it('walks past large EXIF and ICC segments to a JPEG frame header, asking for more bytes when given a prefix', async () => {
    const exif = { IFD0: { ImageDescription: 'x'.repeat(60_000) } };
    const bytes = new Uint8Array(await create(640, 480).withExif(exif).withIccProfile('p3').jpeg().toBuffer());
    const prefix = readImageSize('jpeg', bytes.subarray(0, 4096), false);
    expect(prefix.kind).toBe('more');
    const needed = (prefix as { bytes: number }).bytes;
    expect(needed).toBeGreaterThan(4096);
    let length = 4096;
    let found = prefix;
    while (found.kind === 'more') {
      length = Math.max(found.bytes, length * 2);
      found = readImageSize('jpeg', bytes.subarray(0, length), length >= bytes.length);
    }
    expect(found).toEqual({ kind: 'size', width: 640, height: 480 });
  });

  it('a GIF frame that reaches past the logical screen widens the size (decoders show the whole frame)', () => {
    const gif = Uint8Array.from([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([1, 0, 1, 0, 0, 0, 0, 0x21, 0xf9, 4, 0, 0, 0, 0, 0, 0x2c, 5, 0, 5, 0, 0x30, 0x75, 0x30, 0x75, 0]));
    expect(readImageSize('gif', gif, true)).toEqual({ kind: 'size', width: 5 + 30000, height: 5 + 30000 });
  });

  it('headers cut short, or without a size, are damage when the file is complete', async () => {
    const png = new Uint8Array(await create(10, 10).png().toBuffer());
    expect(readImageSize('png', png.subarray(0, 20), true)).toEqual({ kind: 'bad' });
    expect(readImageSize('png', png.subarray(0, 20), false)).toEqual({ kind: 'more', bytes: 24 });
    const jpeg = new Uint8Array(await create(10, 10).jpeg().toBuffer());
    expect(readImageSize('jpeg', jpeg.subarray(0, 30), true)).toEqual({ kind: 'bad' });
    expect(readImageSize('jpeg', Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), true)).toEqual({ kind: 'bad' }); // ends before a frame
    const zero = Uint8Array.from(png);
    zero.set([0, 0, 0, 0], 16); // width 0
    expect(readImageSize('png', zero, true)).toEqual({ kind: 'bad' });
  });
});

describe('inspectImage: what both decoders check first', () => {
  it('refuses more than 64 megapixels by the header, naming the size', () => {
    const png = new Uint8Array(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(png.buffer).setUint32(16, 20000);
    new DataView(png.buffer).setUint32(20, 20000);
    expect(() => inspectImage(png, 'bomb.png', true)).toThrow(ImageDecodeError);
    expect(() => inspectImage(png, 'bomb.png', true)).toThrow('bomb.png: cannot read this image — it is 20000×20000 pixels (400 megapixels); photos up to 64 megapixels can be searched');
    new DataView(png.buffer).setUint32(16, 8000);
    new DataView(png.buffer).setUint32(20, MAX_INPUT_PIXELS / 8000);
    expect(inspectImage(png, 'edge.png', true)).toMatchObject({ kind: 'image', width: 8000, height: 8000 });
  });

  it('never throws anything but ImageDecodeError, and asks for ever more bytes only while the file has them (5,000 mutated headers)', async () => {
    const random = seededRandom(99);
    const seeds = await Promise.all([
      create(64, 48).jpeg().toBuffer(),
      create(64, 48).png().toBuffer(),
      create(64, 48).gif().toBuffer(),
      create(64, 48).webp().toBuffer(),
      create(64, 48).webp({ lossless: true }).toBuffer(),
      create(64, 48).avif().toBuffer(),
    ]);
    for (let n = 0; n < 5000; n++) {
      const bytes = new Uint8Array(seeds[n % seeds.length]!);
      for (let flips = 1 + Math.floor(random() * 8); flips > 0; flips--) {
        const at = Math.floor(random() * Math.min(bytes.length, 96));
        bytes[at] = Math.floor(random() * 256);
      }
      const file = bytes.subarray(0, random() < 0.3 ? Math.floor(random() * bytes.length) : bytes.length);
      let length = Math.min(file.length, 16);
      for (let rounds = 0; ; rounds++) {
        expect(rounds).toBeLessThan(64);
        let found;
        try {
          found = inspectImage(file.subarray(0, length), 'fuzz', length >= file.length);
        } catch (error) {
          expect(error).toBeInstanceOf(ImageDecodeError);
          break;
        }
        if (found.kind === 'image') {
          expect(found.width * found.height).toBeLessThanOrEqual(MAX_INPUT_PIXELS);
          break;
        }
        expect(found.bytes).toBeGreaterThan(length);
        length = Math.min(file.length, Math.max(found.bytes, length * 2));
      }
    }
  });
});
