/**
 * Shop the look: a box on the photo's preview picks one garment, and only that area is searched. The box is drawn,
 * moved and resized with a pointer (mouse, pen, touch), or — without dragging (WCAG 2.2, 2.5.7) — focused and moved
 * with the arrow keys, resized with Shift + arrows, searched with Enter and dropped with Escape; buttons do the same.
 */
import { byId } from '../../common/page/dom.js';
import type { GarmentRegion } from '../../imaging/shared/garment.js';
import {
  boxFromCorners,
  centredBox,
  clampBox,
  containedRect,
  describeBox,
  isArrow,
  isCorner,
  minSide,
  moveBox,
  nudgeBox,
  oppositeCorner,
  pixelRect,
  toNatural,
  type Box,
  type Point,
  type Size,
} from '../shared/box.js';
import { cutOut } from './cut.js';

/** A drag in progress, and the box before it (put back if the drag meant nothing). */
type Drag = { readonly before: Box } & (
  | { readonly kind: 'draw' | 'move'; readonly from: Point }
  | { readonly kind: 'resize'; readonly fixed: Point }
);

/** Announced once a run of key presses settles, not at every step. */
const SETTLE_MS = 600;

export class PhotoCrop {
  private readonly layer = byId('crop-layer', HTMLDivElement);
  private readonly frame = byId('crop-frame', HTMLDivElement);
  private readonly boxView = byId('crop-box', HTMLDivElement);
  private readonly startButton = byId('crop-start', HTMLButtonElement);
  private readonly searchButton = byId('crop-search', HTMLButtonElement);
  private readonly wholeButton = byId('crop-whole', HTMLButtonElement);
  private readonly keysHint = byId('crop-keys', HTMLParagraphElement);
  private readonly suggestedHint = byId('crop-suggested', HTMLParagraphElement);
  private readonly announcer = byId('crop-announce', HTMLParagraphElement);

  private photo: File | null = null;
  /** The photo's upright size, known once the preview has loaded it. */
  private image: Size | null = null;
  /** The area to search, in the photo's pixels; null while the whole photo is searched. */
  private box: Box | null = null;
  /** Whether the results on screen are of an area, so going back to the whole photo searches again. */
  private areaSearched = false;
  private drag: Drag | null = null;
  /** Whether the box on screen is the engine's guess of the garment, untouched by the shopper. */
  private suggested = false;
  /** A garment region that arrived before the preview had loaded the photo. */
  private pendingGarment: GarmentRegion | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly zone: HTMLElement,
    private readonly preview: HTMLImageElement,
    private readonly onSearch: (photo: File) => void,
  ) {
    preview.addEventListener('load', () => {
      this.image = { width: preview.naturalWidth, height: preview.naturalHeight };
      this.show();
      if (this.pendingGarment) this.showGarment(this.pendingGarment);
    });
    preview.addEventListener('error', () => this.setPhoto(null));
    this.startButton.addEventListener('click', () => this.start());
    this.searchButton.addEventListener('click', () => void this.searchArea());
    this.wholeButton.addEventListener('click', () => this.useWholePhoto());
    this.boxView.addEventListener('keydown', (event) => this.onKey(event));
    this.layer.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    this.layer.addEventListener('pointermove', (event) => this.onPointerMove(event));
    this.layer.addEventListener('pointerup', () => this.onPointerUp());
    this.layer.addEventListener('pointercancel', () => (this.drag = null));
    new ResizeObserver(() => this.placeFrame()).observe(this.layer);
  }

  /** A new photo (or none): whatever box was on the last one goes. */
  setPhoto(photo: File | null): void {
    this.photo = photo;
    this.image = null;
    this.box = null;
    this.areaSearched = false;
    this.drag = null;
    this.suggested = false;
    this.pendingGarment = null;
    this.show();
  }

  /**
   * Where the engine thinks the garment is, when it is unsure what the photo shows: drawn as the crop box, for the
   * shopper to correct and search. A box the shopper drew, or an area already searched, wins; null takes a guess
   * the shopper has not touched away again.
   */
  showGarment(region: GarmentRegion | null): void {
    if (region === null) {
      this.pendingGarment = null;
      if (this.suggested) {
        this.box = null;
        this.suggested = false;
        this.show();
      }
      return;
    }
    if (!this.photo || this.areaSearched || (this.box && !this.suggested)) return;
    const { image } = this;
    if (!image) {
      this.pendingGarment = region;
      return;
    }
    this.pendingGarment = null;
    this.box = clampBox({ x: region.x * image.width, y: region.y * image.height, width: region.width * image.width, height: region.height * image.height }, image);
    this.suggested = true;
    this.show();
    this.announce(`The box shows where the garment seems to be. ${describeBox(this.box, image)}`);
  }

  private start(): void {
    if (!this.image) return;
    this.suggested = false;
    this.box = centredBox(this.image);
    this.show();
    this.boxView.focus();
    this.announce(describeBox(this.box, this.image));
  }

  private async searchArea(): Promise<void> {
    const { photo, image, box } = this;
    if (!photo || !image || !box) return;
    this.suggested = false;
    let area: File;
    try {
      area = await cutOut(photo, pixelRect(box, image), `area of ${photo.name || 'pasted image'}.jpg`);
    } catch (error) {
      this.announce(`Could not cut out the area: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (photo !== this.photo) return; // another photo arrived while this one was being cut
    this.areaSearched = true;
    this.onSearch(area);
  }

  private useWholePhoto(): void {
    const hadFocus = this.layer.contains(document.activeElement) || document.activeElement === this.wholeButton;
    this.box = null;
    this.suggested = false;
    this.show();
    if (hadFocus) this.startButton.focus();
    this.announce('Crop removed: the whole photo is searched');
    if (this.areaSearched && this.photo) {
      this.areaSearched = false;
      this.onSearch(this.photo);
    }
  }

  /** Buttons and layer for the current state: no photo, a photo (Crop), or a box (Search this area, Use whole photo). */
  private show(): void {
    const cropping = this.box !== null && this.image !== null;
    this.startButton.hidden = this.image === null || cropping;
    this.searchButton.hidden = !cropping;
    this.wholeButton.hidden = !cropping;
    this.keysHint.hidden = !cropping;
    this.suggestedHint.hidden = !(cropping && this.suggested);
    this.layer.hidden = !cropping;
    this.zone.classList.toggle('is-cropping', cropping);
    if (cropping) {
      this.placeFrame();
      this.placeBox();
    }
  }

  /** The frame covers exactly the photo as drawn (object-fit: contain), so the box's percentages are the photo's. */
  private placeFrame(): void {
    if (!this.image || this.layer.hidden) return;
    const shown = containedRect(this.image, { width: this.preview.clientWidth, height: this.preview.clientHeight });
    Object.assign(this.frame.style, { left: `${shown.x}px`, top: `${shown.y}px`, width: `${shown.width}px`, height: `${shown.height}px` });
  }

  private placeBox(): void {
    const { box, image } = this;
    if (!box || !image) return;
    const percent = (part: number, whole: number) => `${(100 * part) / whole}%`;
    Object.assign(this.boxView.style, {
      left: percent(box.x, image.width),
      top: percent(box.y, image.height),
      width: percent(box.width, image.width),
      height: percent(box.height, image.height),
    });
  }

  private onKey(event: KeyboardEvent): void {
    const { box, image } = this;
    if (!box || !image || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isArrow(event.key)) {
      this.box = nudgeBox(box, event.key, event.shiftKey, image);
      this.takeOver();
      this.placeBox();
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.box && this.announce(describeBox(this.box, image)), SETTLE_MS);
    } else if (event.key === 'Enter') {
      void this.searchArea();
    } else if (event.key === 'Escape') {
      this.useWholePhoto();
    } else {
      return;
    }
    event.preventDefault();
  }

  /** A pointer position on the photo, in the photo's pixels. */
  private at(event: PointerEvent, image: Size): Point {
    const rect = this.frame.getBoundingClientRect();
    return toNatural({ x: event.clientX - rect.left, y: event.clientY - rect.top }, rect, image);
  }

  private onPointerDown(event: PointerEvent): void {
    const { box, image } = this;
    if (!box || !image || !event.isPrimary || event.button !== 0) return;
    event.preventDefault(); // no text selection or image drag while drawing
    const target = event.target instanceof HTMLElement ? event.target : null;
    const corner = target?.dataset.corner;
    const from = this.at(event, image);
    if (isCorner(corner)) this.drag = { kind: 'resize', fixed: oppositeCorner(box, corner), before: box };
    else this.drag = { kind: target && this.boxView.contains(target) ? 'move' : 'draw', from, before: box };
    this.layer.setPointerCapture(event.pointerId);
    this.boxView.focus({ preventScroll: true });
  }

  private onPointerMove(event: PointerEvent): void {
    const { drag, image } = this;
    if (!drag || !image) return;
    const to = this.at(event, image);
    if (drag.kind === 'resize') this.box = boxFromCorners(drag.fixed, to, image);
    else if (drag.kind === 'move') this.box = moveBox(drag.before, to.x - drag.from.x, to.y - drag.from.y, image);
    else this.box = boxFromCorners(drag.from, to, image);
    this.placeBox();
  }

  /** The end of a drag searches the area at once; a click, or a drag too short to mean a box, changes nothing. */
  private onPointerUp(): void {
    const { drag, image, box } = this;
    this.drag = null;
    if (!drag || !image || !box) return;
    const { before } = drag;
    const unchanged = box.x === before.x && box.y === before.y && box.width === before.width && box.height === before.height;
    const tooSmall = drag.kind === 'draw' && (box.width <= minSide(image) || box.height <= minSide(image));
    if (tooSmall) {
      this.box = before;
      this.placeBox();
    }
    if (unchanged || tooSmall) return;
    this.takeOver();
    this.announce(describeBox(box, image));
    void this.searchArea();
  }

  /** The shopper changed the box: it is theirs now, no longer the engine's guess. */
  private takeOver(): void {
    this.suggested = false;
    this.suggestedHint.hidden = true;
  }

  private announce(text: string): void {
    clearTimeout(this.settleTimer);
    this.announcer.textContent = text;
  }
}
