/**
 * The geometry of the crop box (shop-the-look), pure: the box lives in the photo's natural pixel coordinates
 * (upright, as the browser shows it); the page converts pointer positions into them and the box into percentages.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box extends Point, Size {}

export type Corner = 'nw' | 'ne' | 'sw' | 'se';
export type Arrow = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown';

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** Where an image is drawn inside a frame under `object-fit: contain`: scaled to fit, centred. */
export function containedRect(image: Size, frame: Size): Box {
  const scale = Math.min(frame.width / image.width, frame.height / image.height);
  const width = image.width * scale;
  const height = image.height * scale;
  return { x: (frame.width - width) / 2, y: (frame.height - height) / 2, width, height };
}

/** A point on the displayed image (relative to its top-left corner) → the photo's pixels, kept inside the photo. */
export function toNatural(point: Point, shown: Size, image: Size): Point {
  return {
    x: clamp((point.x * image.width) / shown.width, 0, image.width),
    y: clamp((point.y * image.height) / shown.height, 0, image.height),
  };
}

/** The smallest box side: a few percent of the photo, so a stray tap cannot pick a sliver nothing can be seen in. */
export function minSide(image: Size): number {
  return Math.max(1, Math.round(Math.min(image.width, image.height) * 0.04));
}

/** Sizes within [minSide, photo], then the position moved so the whole box is on the photo. */
export function clampBox(box: Box, image: Size): Box {
  const min = minSide(image);
  const width = clamp(box.width, Math.min(min, image.width), image.width);
  const height = clamp(box.height, Math.min(min, image.height), image.height);
  return { x: clamp(box.x, 0, image.width - width), y: clamp(box.y, 0, image.height - height), width, height };
}

/** The box spanned by a fixed corner and a dragged one (either may be the top-left); too small grows away from the fixed one. */
export function boxFromCorners(fixed: Point, dragged: Point, image: Size): Box {
  const min = minSide(image);
  const span = (from: number, to: number) => {
    const length = Math.max(Math.abs(to - from), min);
    return { start: to >= from ? from : from - length, length };
  };
  const h = span(fixed.x, dragged.x);
  const v = span(fixed.y, dragged.y);
  return clampBox({ x: h.start, y: v.start, width: h.length, height: v.length }, image);
}

/** The corner across from `corner`: it stays put while `corner` is dragged. */
export function oppositeCorner(box: Box, corner: Corner): Point {
  return { x: corner.endsWith('w') ? box.x + box.width : box.x, y: corner.startsWith('n') ? box.y + box.height : box.y };
}

export function moveBox(box: Box, dx: number, dy: number, image: Size): Box {
  return clampBox({ ...box, x: box.x + dx, y: box.y + dy }, image);
}

/** One arrow key press: 1/40 of the photo's shorter side, so a few dozen presses cross it. */
export function keyStep(image: Size): number {
  return Math.max(1, Math.round(Math.min(image.width, image.height) / 40));
}

const ARROWS: Record<Arrow, Point> = { ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 }, ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 } };

export function isArrow(key: string): key is Arrow {
  return Object.hasOwn(ARROWS, key);
}

export function isCorner(name: string | undefined): name is Corner {
  return name === 'nw' || name === 'ne' || name === 'sw' || name === 'se';
}

/** Arrow keys move the box; with Shift they resize it from its bottom-right corner (right and down grow it). */
export function nudgeBox(box: Box, key: Arrow, resize: boolean, image: Size): Box {
  const step = keyStep(image);
  const { x, y } = ARROWS[key];
  if (!resize) return moveBox(box, x * step, y * step, image);
  return clampBox({ ...box, width: box.width + x * step, height: box.height + y * step }, image);
}

/** The box a keyboard user starts from: the middle of the photo, where the garment usually is. */
export function centredBox(image: Size, fraction = 0.6): Box {
  const width = image.width * fraction;
  const height = image.height * fraction;
  return clampBox({ x: (image.width - width) / 2, y: (image.height - height) / 2, width, height }, image);
}

/** Whole pixels covering the box (what is cut out of the photo), at least one pixel and never past its edges. */
export function pixelRect(box: Box, image: Size): Box {
  const x = clamp(Math.floor(box.x), 0, image.width - 1);
  const y = clamp(Math.floor(box.y), 0, image.height - 1);
  const right = clamp(Math.ceil(box.x + box.width), x + 1, image.width);
  const bottom = clamp(Math.ceil(box.y + box.height), y + 1, image.height);
  return { x, y, width: right - x, height: bottom - y };
}

/** The box in words, in percent of the photo: what a screen reader announces once a change settles. */
export function describeBox(box: Box, image: Size): string {
  const percent = (part: number, whole: number) => `${Math.round((100 * part) / whole)} %`;
  return (
    `Selected area: ${percent(box.width, image.width)} of the width and ${percent(box.height, image.height)} of the height, ` +
    `${percent(box.x, image.width)} from the left and ${percent(box.y, image.height)} from the top`
  );
}
