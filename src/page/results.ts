import type { SearchResponse, SearchResult } from '../search/shared/response.js';

/** Builds an element with text content only: catalog data never goes through innerHTML. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Catalog image paths are relative to the catalog folder; each segment is URL-encoded, the slashes kept. */
function productImageUrl(catalogBase: URL, image: string): string {
  return new URL(image.split('/').map(encodeURIComponent).join('/'), catalogBase).href;
}

function card(result: SearchResult, catalogBase: URL): HTMLLIElement {
  const item = el('li', 'card');
  item.dataset.productId = result.id;
  const image = el('img', 'card-image');
  image.src = productImageUrl(catalogBase, result.product_image);
  image.alt = result.name ?? `${result.color ?? result.predicted_color} ${result.category}`;
  image.decoding = 'async';
  const body = el('div', 'card-body');
  body.append(el('h2', 'card-name', result.name ?? result.filename));
  const facts = el('dl', 'card-facts');
  const fact = (term: string, value: string, title?: string) => {
    const dt = el('dt', '', term);
    const dd = el('dd', '', value);
    if (title) dd.title = title;
    facts.append(dt, dd);
  };
  fact('Category', result.category);
  fact('Colour', result.color ?? `${result.predicted_color} (predicted)`);
  const signals = [
    `similarity ${result.similarity_score.toFixed(3)}`,
    `semantic ${result.semantic_similarity.toFixed(3)}`,
    ...(result.visual_similarity === null ? [] : [`visual ${result.visual_similarity.toFixed(3)}`]),
    ...(result.text_similarity === null ? [] : [`name ${result.text_similarity.toFixed(3)}`]),
  ];
  fact('Score', result.score.toFixed(2), signals.join(' · '));
  body.append(facts);
  item.append(image, body);
  return item;
}

export function renderResults(list: HTMLElement, response: SearchResponse, catalogBase: URL): void {
  list.replaceChildren(...response.results.map((r) => card(r, catalogBase)));
}

export function renderStatus(status: HTMLElement, response: SearchResponse): void {
  status.dataset.status = response.status;
  status.textContent = response.message;
}

/** When the classifier is unsure, its best guesses become one-tap category choices. */
export function renderConfirm(box: HTMLElement, response: SearchResponse, choose: (category: string) => void): void {
  const guesses = response.status === 'needs_confirmation' ? response.category_candidates.filter((g) => g.in_catalog) : [];
  box.hidden = guesses.length === 0;
  if (box.hidden) {
    box.replaceChildren();
    return;
  }
  const buttons = guesses.map((g) => {
    const button = el('button', 'chip', g.category);
    button.type = 'button';
    button.title = `${Math.round(g.confidence * 100)} % sure`;
    button.addEventListener('click', () => choose(g.category));
    return button;
  });
  // The group's aria-label already says this to screen readers.
  const label = el('span', 'confirm-label', box.getAttribute('aria-label') ?? '');
  label.setAttribute('aria-hidden', 'true');
  box.replaceChildren(label, ...buttons);
}
