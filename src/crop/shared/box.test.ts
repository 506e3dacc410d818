import { describe, expect, it } from 'vitest';
import {
  boxFromCorners,
  centredBox,
  clampBox,
  containedRect,
  describeBox,
  isArrow,
  isCorner,
  keyStep,
  minSide,
  moveBox,
  nudgeBox,
  oppositeCorner,
  pixelRect,
  toNatural,
  type Box,
  type Size,
} from './box.js';

const PHOTO: Size = { width: 1200, height: 800 };
const inside = (box: Box, image: Size) =>
  box.x >= 0 && box.y >= 0 && box.x + box.width <= image.width + 1e-9 && box.y + box.height <= image.height + 1e-9;

describe('containedRect (object-fit: contain)', () => {
  it('letterboxes a wide photo in a tall frame, centred', () => {
    expect(containedRect({ width: 400, height: 200 }, { width: 300, height: 400 })).toEqual({ x: 0, y: 125, width: 300, height: 150 });
  });
  it('pillarboxes a tall photo in a wide frame, and scales up a small one', () => {
    expect(containedRect({ width: 100, height: 200 }, { width: 600, height: 400 })).toEqual({ x: 200, y: 0, width: 200, height: 400 });
  });
});

describe('toNatural', () => {
  it('maps display pixels to photo pixels by the display scale', () => {
    expect(toNatural({ x: 150, y: 50 }, { width: 300, height: 200 }, PHOTO)).toEqual({ x: 600, y: 200 });
  });
  it('keeps points dragged past the photo on its edge', () => {
    expect(toNatural({ x: -20, y: 900 }, { width: 300, height: 200 }, PHOTO)).toEqual({ x: 0, y: 800 });
  });
});

describe('clampBox', () => {
  it('moves a box hanging over an edge back onto the photo, keeping its size', () => {
    expect(clampBox({ x: 1100, y: -50, width: 300, height: 200 }, PHOTO)).toEqual({ x: 900, y: 0, width: 300, height: 200 });
  });
  it('shrinks a box larger than the photo to the photo', () => {
    expect(clampBox({ x: -10, y: -10, width: 5000, height: 5000 }, PHOTO)).toEqual({ x: 0, y: 0, width: 1200, height: 800 });
  });
  it('grows a sliver to the minimum side', () => {
    const box = clampBox({ x: 10, y: 10, width: 1, height: 0 }, PHOTO);
    expect(box.width).toBe(minSide(PHOTO));
    expect(box.height).toBe(minSide(PHOTO));
    expect(minSide(PHOTO)).toBe(32);
  });
  it('never asks for more than a tiny photo has', () => {
    expect(clampBox({ x: 0, y: 0, width: 0, height: 0 }, { width: 1, height: 1 })).toEqual({ x: 0, y: 0, width: 1, height: 1 });
  });
});

describe('boxFromCorners', () => {
  it('spans the two corners whichever way the drag went', () => {
    const expected = { x: 100, y: 50, width: 400, height: 300 };
    expect(boxFromCorners({ x: 100, y: 50 }, { x: 500, y: 350 }, PHOTO)).toEqual(expected);
    expect(boxFromCorners({ x: 500, y: 350 }, { x: 100, y: 50 }, PHOTO)).toEqual(expected);
    expect(boxFromCorners({ x: 500, y: 50 }, { x: 100, y: 350 }, PHOTO)).toEqual(expected);
  });
  it('grows a tiny drag away from the fixed corner', () => {
    expect(boxFromCorners({ x: 600, y: 400 }, { x: 598, y: 401 }, PHOTO)).toEqual({ x: 568, y: 400, width: 32, height: 32 });
  });
  it('resizing by a corner keeps the opposite corner fixed', () => {
    const box = { x: 100, y: 100, width: 200, height: 200 };
    expect(oppositeCorner(box, 'se')).toEqual({ x: 100, y: 100 });
    expect(oppositeCorner(box, 'nw')).toEqual({ x: 300, y: 300 });
    expect(oppositeCorner(box, 'ne')).toEqual({ x: 100, y: 300 });
    expect(boxFromCorners(oppositeCorner(box, 'nw'), { x: 50, y: 150 }, PHOTO)).toEqual({ x: 50, y: 150, width: 250, height: 150 });
  });
});

describe('keyboard', () => {
  it('recognises the four arrow keys only', () => {
    expect(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].every(isArrow)).toBe(true);
    expect(isArrow('Enter')).toBe(false);
    expect(isArrow('toString')).toBe(false);
  });
  it('recognises the four corner names only', () => {
    expect(['nw', 'ne', 'sw', 'se'].every(isCorner)).toBe(true);
    expect([undefined, '', 'n', 'toString'].some(isCorner)).toBe(false);
  });
  it('an arrow moves the box by one step, which is 1/40 of the shorter side', () => {
    expect(keyStep(PHOTO)).toBe(20);
    const box = { x: 100, y: 100, width: 200, height: 200 };
    expect(nudgeBox(box, 'ArrowRight', false, PHOTO)).toEqual({ ...box, x: 120 });
    expect(nudgeBox(box, 'ArrowUp', false, PHOTO)).toEqual({ ...box, y: 80 });
  });
  it('Shift+arrows resize from the bottom-right corner', () => {
    const box = { x: 100, y: 100, width: 200, height: 200 };
    expect(nudgeBox(box, 'ArrowRight', true, PHOTO)).toEqual({ ...box, width: 220 });
    expect(nudgeBox(box, 'ArrowLeft', true, PHOTO)).toEqual({ ...box, width: 180 });
    expect(nudgeBox(box, 'ArrowDown', true, PHOTO)).toEqual({ ...box, height: 220 });
    expect(nudgeBox(box, 'ArrowUp', true, PHOTO)).toEqual({ ...box, height: 180 });
  });
  it('held arrows stop at the edges and at the minimum size, never leaving the photo', () => {
    let moved = centredBox(PHOTO);
    let shrunk = centredBox(PHOTO);
    for (let i = 0; i < 200; i++) {
      moved = nudgeBox(moved, 'ArrowRight', false, PHOTO);
      shrunk = nudgeBox(shrunk, 'ArrowUp', true, PHOTO);
      expect(inside(moved, PHOTO) && inside(shrunk, PHOTO)).toBe(true);
    }
    expect(moved.x + moved.width).toBe(PHOTO.width);
    expect(shrunk.height).toBe(minSide(PHOTO));
  });
  it('moveBox keeps the size when pushed against an edge', () => {
    expect(moveBox({ x: 0, y: 0, width: 300, height: 300 }, -500, 2000, PHOTO)).toEqual({ x: 0, y: 500, width: 300, height: 300 });
  });
});

describe('centredBox', () => {
  it('starts in the middle of the photo', () => {
    expect(centredBox(PHOTO)).toEqual({ x: 240, y: 160, width: 720, height: 480 });
  });
});

describe('pixelRect', () => {
  it('covers fractional boxes with whole pixels', () => {
    expect(pixelRect({ x: 10.4, y: 0.5, width: 99.2, height: 50 }, PHOTO)).toEqual({ x: 10, y: 0, width: 100, height: 51 });
  });
  it('stays inside the photo and is never empty', () => {
    expect(pixelRect({ x: 1199.9, y: 799.9, width: 0, height: 0 }, PHOTO)).toEqual({ x: 1199, y: 799, width: 1, height: 1 });
    expect(pixelRect({ x: 0, y: 0, width: 1200, height: 800 }, PHOTO)).toEqual({ x: 0, y: 0, width: 1200, height: 800 });
  });
});

describe('describeBox', () => {
  it('says where the box is in percent of the photo', () => {
    expect(describeBox({ x: 600, y: 0, width: 600, height: 800 }, PHOTO)).toBe(
      'Selected area: 50 % of the width and 100 % of the height, 50 % from the left and 0 % from the top',
    );
  });
});
