import { describe, expect, it } from 'vitest';
import { locateGarment } from './garment.js';
import type { RgbaImage, RgbImage } from './image.js';

/** A width × height RGB picture of one colour with rectangles painted on it. */
function picture(width: number, height: number, background: number[], rects: { x: number; y: number; w: number; h: number; rgb: number[] }[] = []): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(background, i * 3);
  for (const r of rects) for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) data.set(r.rgb, (y * width + x) * 3);
  return { width, height, data };
}

describe('locateGarment', () => {
  it('frames what stands out from the background, with a 6 % margin, in shares of the photo', () => {
    const region = locateGarment(picture(300, 400, [154, 154, 154], [{ x: 90, y: 120, w: 120, h: 200, rgb: [122, 16, 32] }]));
    // 90–210 × 120–320, margin 7.2 and 12 px: 82.8 → 82, 108, 217.2 → 218, 332.
    expect(region).toEqual({ x: 82 / 300, y: 108 / 400, width: 136 / 300, height: 224 / 400 });
  });

  it('ignores a few specks far from the garment', () => {
    const specks = [0, 1, 2].map((i) => ({ x: 5 + i * 3, y: 370 + i * 10, w: 1, h: 1, rgb: [0, 0, 0] }));
    const alone = locateGarment(picture(300, 400, [154, 154, 154], [{ x: 90, y: 120, w: 120, h: 200, rgb: [122, 16, 32] }]));
    expect(locateGarment(picture(300, 400, [154, 154, 154], [{ x: 90, y: 120, w: 120, h: 200, rgb: [122, 16, 32] }, ...specks]))).toEqual(alone);
  });

  it('has nothing to point at in a plain picture, or when the subject fills the frame', () => {
    expect(locateGarment(picture(200, 200, [128, 128, 128]))).toBeNull();
    expect(locateGarment(picture(200, 200, [250, 250, 250], [{ x: 2, y: 2, w: 196, h: 196, rgb: [20, 20, 20] }]))).toBeNull();
    expect(locateGarment(picture(200, 200, [250, 250, 250], [{ x: 8, y: 8, w: 184, h: 184, rgb: [20, 20, 20] }]))).toBeNull(); // 0.9+ of the photo
  });

  it('reads transparency as white, as the towers do', () => {
    const width = 100;
    const height = 100;
    const data = new Uint8Array(width * height * 4); // fully transparent black: white once flattened
    for (let y = 30; y < 70; y++) for (let x = 20; x < 50; x++) data.set([200, 30, 30, 255], (y * width + x) * 4);
    const rgba: RgbaImage = { width, height, data };
    const onWhite = picture(width, height, [255, 255, 255], [{ x: 20, y: 30, w: 30, h: 40, rgb: [200, 30, 30] }]);
    expect(locateGarment(rgba)).toEqual(locateGarment(onWhite));
    expect(locateGarment(rgba)).not.toBeNull();
  });
});
