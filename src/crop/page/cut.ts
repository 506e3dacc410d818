import type { Box } from '../shared/box.js';

/** JPEG at this quality: a crop is searched, not kept, and the encoder is fast even for a large area. */
const QUALITY = 0.92;

/**
 * The pixels of `rect` (whole pixels of the upright photo, as the preview shows it) as a JPEG file to search.
 *
 * The photo is decoded upright as the worker decodes it (imageOrientation 'from-image'), and the rectangle is cut by
 * drawImage rather than by createImageBitmap's own crop arguments: for an EXIF-rotated JPEG, Chromium 156 takes
 * those from the wrong part of the photo (e2e/crop.spec.ts checks a rotated photo).
 */
export async function cutOut(photo: Blob, rect: Box, name: string): Promise<File> {
  const bitmap = await createImageBitmap(photo, { imageOrientation: 'from-image' });
  try {
    const canvas = new OffscreenCanvas(rect.width, rect.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser cannot draw images off screen');
    // Transparency on white, as the search itself flattens it (src/imaging/shared/image.ts): JPEG has no alpha.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, rect.width, rect.height);
    context.drawImage(bitmap, rect.x, rect.y, rect.width, rect.height, 0, 0, rect.width, rect.height);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
    return new File([blob], name, { type: blob.type });
  } finally {
    bitmap.close();
  }
}
