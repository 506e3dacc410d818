import sharp from 'sharp';
import type { RgbaImage } from '../shared/image.js';
import { DAMAGED, imageError, inspectImage, MAX_INPUT_PIXELS, tooManyPixels } from '../shared/inspect.js';


/**
 * File bytes → straight-alpha RGBA, upright (EXIF orientation applied), sRGB (CMYK and 16-bit converted), first
 * frame only. Format and pixel count are checked from the header first (shared with the browser, see
 * inspectImage), so a decompression bomb is refused before sharp allocates anything. Errors become an
 * ImageDecodeError with a reason a person can act on.
 */
export async function decodeImage(bytes: Uint8Array, label = 'image'): Promise<RgbaImage> {
  const header = inspectImage(bytes, label, true);
  if (header.kind !== 'image') throw imageError(label, DAMAGED);
  try {
    // limitInputPixels stays as a second guard. failOn 'error' refuses damaged data and files cut short (which
    // Chromium's decoder refuses too); mere warnings (extraneous bytes) are decoded, as browsers show them.
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 })
      .rotate()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoder returned ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw imageError(label, /pixel limit/i.test(text) ? tooManyPixels(header.width, header.height) : DAMAGED);
  }
}
