/**
 * The results area: category and colour chips over the matches the search returned, and the cards they keep.
 * The page asks for a pool larger than the cards shown, so that choosing "Blue" shows a full row of blue products
 * rather than the two blue ones among the first eight; the chips count within that pool.
 */
import { describeExplanation, explainResult } from '../results/shared/explain.js';
import type { Scoring } from '../search/shared/scoring.js';
import { facets, NO_REFINEMENT, refine, toggle, type Refinement } from '../results/shared/facets.js';
import type { SearchResponse, SearchResult } from '../search/shared/response.js';
import { card, el } from './results.js';

/** How many matches to ask for, to refine `shown` cards from. */
export const poolSize = (shown: number) => Math.max(48, 4 * shown);

export interface ShownSearch {
  readonly response: SearchResponse;
  /** Cards to show. */
  readonly shown: number;
  /** The words searched (alone or with a photo), for the "why" lines. */
  readonly words: string;
}

// "Type", not "Category": the page's category selector is the control labelled Category.
const GROUPS = [
  { group: 'category', label: 'Type' },
  { group: 'colour', label: 'Colour' },
] as const;

export class ResultsView {
  private search: ShownSearch | null = null;
  private refinement: Refinement = NO_REFINEMENT;

  constructor(
    private readonly list: HTMLElement,
    private readonly chips: HTMLElement,
    private readonly catalogBase: URL,
    private readonly scoring: () => Scoring | null,
    private readonly openDetails: (result: SearchResult, why: string, opener: HTMLElement) => void,
  ) {}

  /** New results replace the old, and the chips start over. */
  show(search: ShownSearch): void {
    this.search = search;
    this.refinement = NO_REFINEMENT;
    this.render();
  }

  clear(): void {
    this.search = null;
    this.list.replaceChildren();
    this.chips.replaceChildren();
    this.chips.hidden = true;
  }

  private render(focusChip?: string): void {
    const { response, shown, words } = this.search!;
    const indexScoring = this.scoring();
    // A photo may have been fused with its own weights (one unlike the catalog's photos): explain by those.
    const scoring = indexScoring && response.fusion_weights ? { ...indexScoring, weights: response.fusion_weights } : indexScoring;
    const why = (r: SearchResult) => (scoring ? describeExplanation(explainResult(r, response.fusion, scoring), words) : '');
    const kept = refine(response.results, this.refinement).slice(0, shown);
    this.list.replaceChildren(...kept.map((r) => card(r, this.catalogBase, why(r), (opener) => this.openDetails(r, why(r), opener))));
    this.renderChips(response.results);
    if (focusChip) this.chips.querySelector<HTMLElement>(`[data-chip="${CSS.escape(focusChip)}"]`)?.focus();
  }

  /** A group appears when it has something to choose between; a chosen value stays, to be unchosen. */
  private renderChips(results: readonly SearchResult[]): void {
    const rows = GROUPS.flatMap(({ group, label }) => {
      const options = facets(results, this.refinement, group);
      if (options.length < 2 && this.refinement[group] === null) return [];
      const row = el('div', 'refine-group');
      row.setAttribute('role', 'group');
      row.setAttribute('aria-label', `Filter by ${label.toLowerCase()}`);
      row.append(el('span', 'refine-label', label));
      for (const option of options) {
        const chip = el('button', 'chip refine-chip');
        chip.type = 'button';
        chip.dataset.chip = `${group}:${option.value}`;
        chip.dataset.count = String(option.count);
        chip.setAttribute('aria-pressed', String(option.selected));
        chip.setAttribute('aria-label', `${option.value}: ${option.count}`);
        // The space makes the visible text "Blue 12", words of the spoken name "Blue: 12" (WCAG 2.5.3).
        chip.append(el('span', 'chip-value', option.value), ' ', el('span', 'chip-count', String(option.count)));
        chip.addEventListener('click', () => {
          this.refinement = toggle(this.refinement, group, option.value);
          this.render(chip.dataset.chip);
        });
        row.append(chip);
      }
      return [row];
    });
    this.chips.hidden = rows.length === 0;
    const total = el('p', 'refine-total', `Refine the ${results.length} closest matches`);
    this.chips.replaceChildren(...(rows.length ? [total, ...rows] : []));
  }
}
