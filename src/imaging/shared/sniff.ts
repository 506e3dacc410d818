/**
 * What a file is, from its first bytes (not its name or MIME type, which shoppers' files often get wrong).
 * Accepted: the formats both decoders read (sharp in Node, createImageBitmap in Chromium), so the CLI and the page
 * accept the same files.
 */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif';

const SUPPORTED_HINT = 'use a JPEG, PNG, WebP, GIF or AVIF photo';

export type Sniffed = { readonly ok: true; readonly format: ImageFormat } | { readonly ok: false; readonly reason: string };

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

export function sniffImage(bytes: Uint8Array): Sniffed {
  if (bytes.byteLength === 0) return { ok: false, reason: 'the file is empty' };
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return { ok: true, format: 'jpeg' };
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return { ok: true, format: 'png' };
  if (ascii(bytes, 0, 4) === 'GIF8') return { ok: true, format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return { ok: true, format: 'webp' };
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brands = ascii(bytes, 8, Math.min(bytes.byteLength, 64));
    if (/avif|avis/.test(brands)) return { ok: true, format: 'avif' };
    if (/hei[cxsm]|hev[cxsm]|mif1|msf1/.test(brands)) {
      return { ok: false, reason: `HEIC photos (the iPhone default) cannot be read in the browser — ${SUPPORTED_HINT} (iPhone: Settings › Camera › Formats › Most Compatible)` };
    }
  }
  if (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*') return { ok: false, reason: `TIFF files are not supported — ${SUPPORTED_HINT}` };
  if (ascii(bytes, 0, 2) === 'BM') return { ok: false, reason: `BMP files are not supported — ${SUPPORTED_HINT}` };
  const head = ascii(bytes, 0, Math.min(bytes.byteLength, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return { ok: false, reason: `this is a vector drawing (SVG), not a photo — ${SUPPORTED_HINT}` };
  }
  return { ok: false, reason: `the file is not an image — ${SUPPORTED_HINT}` };
}
