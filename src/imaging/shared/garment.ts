import { flattenOnWhite, type Pixels } from './image.js';

/** Where a photo's garment seems to be, as shares of the upright photo's width and height (0 to 1). */
export interface GarmentRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Border rows and columns whose pixels make the background's colour. */
const BORDER = 2;
/** Summed |ΔR| + |ΔG| + |ΔB| from the background colour above which a pixel belongs to the subject. */
const SUBJECT_DISTANCE = 60;
/** A row or column counts in the subject's extent once it holds this share of the fullest one's subject pixels (not specks). */
const SPECK = 0.05;
/** Margin added around the subject, as a share of its size. */
const MARGIN = 0.06;
/** Below this share of subject pixels, or above 1 − it, there is no subject to point at. */
const SUBJECT_SHARE = 0.05;
/** A region this large (share of the photo) says nothing the whole photo does not. */
const WHOLE_PHOTO = 0.9;

/**
 * Finds the garment by how it differs from the background: the background colour is the median of the photo's
 * border, a pixel far enough from it belongs to the subject, and the region spans the rows and columns holding more
 * than specks of it, with a margin. Pure arithmetic on the decoded pixels — which the page's worker and Node decode
 * alike — so both find the same region. null when there is nothing to point at: the subject fills the photo, or
 * nothing stands out from the background.
 *
 * Measured with a prototype of this rule on the 3,068 shoppers' photos (every 4th, mini models, neighbour votes):
 * searching this region instead of the whole photo lost category accuracy (36.4 % against 37.3 %), and averaging it
 * with the whole photo gained nothing (37.0 %), so the search embeds the whole photo and the page only shows the
 * region, for the shopper to correct and search.
 */
export function locateGarment(image: Pixels): GarmentRegion | null {
  // Transparency reads as white, as the towers see it.
  const { width, height, data } = flattenOnWhite(image);
  if (width < 4 * BORDER || height < 4 * BORDER) return null;
  // The background: the median of each channel over the border (counted in histograms, no sorting).
  const histograms = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let borderPixels = 0;
  for (let y = 0; y < height; y++) {
    const inner = y >= BORDER && y < height - BORDER;
    for (let x = 0; x < width; x += inner && x === BORDER - 1 ? width - 2 * BORDER + 1 : 1) {
      const i = (y * width + x) * 3;
      histograms[0]![data[i]!]!++;
      histograms[1]![data[i + 1]!]!++;
      histograms[2]![data[i + 2]!]!++;
      borderPixels++;
    }
  }
  const [r0, g0, b0] = histograms.map((h) => median(h, borderPixels)) as [number, number, number];

  const columns = new Uint32Array(width);
  const rows = new Uint32Array(height);
  let subject = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      if (Math.abs(data[i]! - r0) + Math.abs(data[i + 1]! - g0) + Math.abs(data[i + 2]! - b0) > SUBJECT_DISTANCE) {
        columns[x]!++;
        rows[y]!++;
        subject++;
      }
    }
  }
  const share = subject / (width * height);
  if (share < SUBJECT_SHARE || share > 1 - SUBJECT_SHARE) return null;

  const [x0, x1] = extent(columns);
  const [y0, y1] = extent(rows);
  const mx = (x1 - x0 + 1) * MARGIN;
  const my = (y1 - y0 + 1) * MARGIN;
  const left = Math.max(0, Math.floor(x0 - mx));
  const top = Math.max(0, Math.floor(y0 - my));
  const right = Math.min(width, Math.ceil(x1 + 1 + mx));
  const bottom = Math.min(height, Math.ceil(y1 + 1 + my));
  const region = { x: left / width, y: top / height, width: (right - left) / width, height: (bottom - top) / height };
  return region.width * region.height > WHOLE_PHOTO ? null : region;
}

/** The lower median of `count` values counted in a 256-bin histogram. */
function median(histogram: Uint32Array, count: number): number {
  const rank = (count - 1) >> 1;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen > rank) return v;
  }
  return 255;
}

/** First and last index of a histogram holding more than SPECK of its largest count. */
function extent(histogram: Uint32Array): [number, number] {
  const floor = SPECK * Math.max(...histogram);
  let first = 0;
  while (histogram[first]! <= floor) first++;
  let last = histogram.length - 1;
  while (histogram[last]! <= floor) last--;
  return [first, last];
}
