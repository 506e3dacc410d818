import { describe, expect, it } from 'vitest';
import { sniffImage } from './sniff.js';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffImage', () => {
  it('recognises the formats both decoders read, by content', () => {
    expect(sniffImage(bytes([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ ok: true, format: 'jpeg' });
    expect(sniffImage(bytes('\x89PNG\r\n\x1a\n', [0, 0]))).toEqual({ ok: true, format: 'png' });
    expect(sniffImage(bytes('GIF89a'))).toEqual({ ok: true, format: 'gif' });
    expect(sniffImage(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toEqual({ ok: true, format: 'webp' });
    expect(sniffImage(bytes([0, 0, 0, 28], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf'))).toEqual({ ok: true, format: 'avif' });
  });

  it('names what it refuses, with what to do instead', () => {
    const reason = (b: Uint8Array) => {
      const s = sniffImage(b);
      return s.ok ? '' : s.reason;
    };
    expect(reason(new Uint8Array())).toBe('the file is empty');
    expect(reason(bytes([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0], 'mif1heic'))).toMatch(/^HEIC photos .* use a JPEG/);
    expect(reason(bytes('  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toMatch(/vector drawing \(SVG\)/);
    expect(reason(bytes('II*\0'))).toMatch(/^TIFF/);
    expect(reason(bytes('BM'))).toMatch(/^BMP/);
    expect(reason(bytes('hello, this is text'))).toMatch(/^the file is not an image — use a JPEG/);
  });
});
