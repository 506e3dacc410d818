import { productImageUrl } from '../catalog/shared/urls.js';
import type { SearchResponse, SearchResult } from '../search/shared/response.js';

/** Builds an element with text content only: catalog data never goes through innerHTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const productTitle = (result: SearchResult) => result.name ?? result.filename;

/** A product's facts: category, colour, score (the raw similarities in its tooltip). */
export function productFacts(result: SearchResult): HTMLDListElement {
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
  return facts;
}

/**
 * A result card: photo, name (a button that opens the details), facts, and why it matched. The whole card opens
 * the details on a click; the button is what the keyboard and screen readers reach.
 */
export function card(result: SearchResult, catalogBase: URL, why: string, openDetails: (opener: HTMLElement) => void): HTMLLIElement {
  const item = el('li', 'card');
  item.dataset.productId = result.id;
  const image = el('img', 'card-image');
  image.src = productImageUrl(catalogBase, result.product_image);
  image.alt = result.name ?? `${result.color ?? result.predicted_color} ${result.category}`;
  image.decoding = 'async';
  const body = el('div', 'card-body');
  const name = el('h2', 'card-name');
  const details = el('button', 'card-open', productTitle(result));
  details.type = 'button';
  details.setAttribute('aria-haspopup', 'dialog');
  name.append(details);
  body.append(name, productFacts(result), el('p', 'card-why', why));
  item.append(image, body);
  item.addEventListener('click', () => openDetails(details));
  return item;
}

export function renderStatus(status: HTMLElement, response: SearchResponse): void {
  status.dataset.status = response.status;
  status.textContent = response.message;
}

/**
 * When the classifier is unsure it asks: "Is this Tshirts?" with a yes, its other guesses in the catalog, and every
 * catalog category to pick from (all there is when none of its guesses is stocked). The answer is searched strictly
 * in that category.
 */
export function renderConfirm(box: HTMLElement, response: SearchResponse, categories: readonly string[], choose: (category: string) => void): void {
  box.hidden = response.status !== 'needs_confirmation';
  if (box.hidden) {
    box.replaceChildren();
    return;
  }
  const [best, ...others] = response.category_candidates.filter((g) => g.in_catalog);
  const sure = (confidence: number) => `${Math.round(confidence * 100)} % sure`;
  const question = el('p', 'confirm-question', best ? `Is this ${best.category}?` : 'What is it? Pick a category to search only that');
  question.id = 'confirm-question';
  box.setAttribute('aria-labelledby', question.id);
  const button = (text: string, category: string, title: string) => {
    const node = el('button', 'chip', text);
    node.type = 'button';
    node.title = title;
    node.addEventListener('click', () => choose(category));
    return node;
  };
  const answers = best ? [button(`Yes, search ${best.category}`, best.category, sure(best.confidence))] : [];
  answers[0]?.classList.add('chip-primary');
  answers.push(...others.map((g) => button(`No, it is ${g.category}`, g.category, sure(g.confidence))));

  const pick = el('label', 'confirm-pick', best ? 'Something else: ' : 'Search only: ');
  const select = el('select', '');
  const prompt = el('option', '', 'pick a category');
  prompt.value = '';
  select.append(prompt, ...categories.map((c) => Object.assign(el('option', '', c), { value: c })));
  select.addEventListener('change', () => {
    if (select.value) choose(select.value);
  });
  pick.append(select);
  box.replaceChildren(question, ...answers, pick);
}
