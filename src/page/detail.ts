/**
 * A product's details in a native modal <dialog>: the browser moves focus into it, traps it there and closes it on
 * Escape; focus then goes back to the card button that opened it.
 */
import type { SearchResult } from '../search/shared/response.js';
import { productImageUrl } from '../catalog/shared/urls.js';
import { el, productFacts, productTitle } from './results.js';

export interface DetailView {
  readonly dialog: HTMLDialogElement;
  readonly image: HTMLImageElement;
  readonly title: HTMLElement;
  readonly facts: HTMLElement;
  readonly findSimilar: HTMLButtonElement;
  readonly close: HTMLButtonElement;
}

export class ProductDetails {
  private shown: SearchResult | null = null;
  private opener: HTMLElement | null = null;

  constructor(
    private readonly view: DetailView,
    private readonly catalogBase: URL,
    /** "Find similar to this": search with the product's own photo. */
    findSimilar: (photo: File) => void,
    onError: (message: string) => void,
  ) {
    view.close.addEventListener('click', () => view.dialog.close());
    // A click on the backdrop (outside the dialog's box) closes it too.
    view.dialog.addEventListener('click', (event) => {
      if (event.target === view.dialog) view.dialog.close();
    });
    view.dialog.addEventListener('close', () => {
      if (this.opener?.isConnected) this.opener.focus();
      this.opener = null;
    });
    view.findSimilar.addEventListener('click', () => {
      const result = this.shown;
      if (!result) return;
      view.dialog.close();
      void this.productPhoto(result).then(
        (photo) => findSimilar(photo),
        (error: unknown) => onError(`${productTitle(result)}: could not load its photo (${error instanceof Error ? error.message : String(error)})`),
      );
    });
  }

  open(result: SearchResult, why: string, opener: HTMLElement): void {
    this.shown = result;
    this.opener = opener;
    const { image, title, facts, dialog } = this.view;
    image.src = productImageUrl(this.catalogBase, result.product_image);
    image.alt = result.name ?? `${result.color ?? result.predicted_color} ${result.category}`;
    title.textContent = productTitle(result);
    facts.replaceChildren(productFacts(result), el('p', 'card-why', why));
    if (!dialog.open) dialog.showModal();
    this.view.close.focus();
  }

  /** The product photo as a file, as if the shopper had dropped it (it is served beside the page). */
  private async productPhoto(result: SearchResult): Promise<File> {
    const response = await fetch(productImageUrl(this.catalogBase, result.product_image));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = await response.blob();
    return new File([blob], result.filename, { type: blob.type });
  }
}
