import type { SearchRequest } from '../search/shared/policy.js';
import type { Scoring } from '../search/shared/scoring.js';
import type { EngineInfo, SearchResponse } from '../search/worker/api.js';

/** What the session asks of the engine (SearchEngineClient). */
export interface SessionEngine {
  readonly ready: Promise<EngineInfo>;
  search(image: Blob, request: SearchRequest, modifier?: string): Promise<SearchResponse>;
  searchText(text: string, request: SearchRequest): Promise<SearchResponse>;
}

/** What the page shows of the session; it only renders, the session decides. */
export interface SessionView {
  /** The shopper's photo changed (null: removed). */
  photoChanged(photo: File | null): void;
  /** A search started; `category` when the shopper confirmed a guess. */
  searching(category?: string): void;
  answered(search: AnsweredSearch): void;
  /** Nothing left to search: back to the empty page. */
  cleared(): void;
  /** Words searched with nothing in them, and no photo. */
  nothingToSearch(): void;
}

export interface AnsweredSearch {
  readonly response: SearchResponse;
  readonly photo: File | null;
  readonly words: string;
}

/**
 * The shopper's search: the photo shown, the words, and which answer the page waits for (a newer search takes
 * over; an older answer arriving late is dropped). The one owner of that state: the page's controls call its
 * methods, and the view it shows in renders what it reports.
 */
export class SearchSession {
  private photo: File | null = null;
  private words = '';
  private latest: object | null = null;
  private info: EngineInfo | null = null;
  private view: SessionView | null = null;

  constructor(
    private readonly engine: SessionEngine,
    /** The category and result count the controls ask for now. */
    private readonly request: () => SearchRequest,
  ) {
    void engine.ready.then((info) => (this.info = info), () => undefined);
  }

  /** Where the session's changes are shown: the page's view, once its parts exist. */
  showIn(view: SessionView): void {
    this.view = view;
  }

  /** How the loaded index scores, for the why-lines; null until it has loaded. */
  get scoring(): Scoring | null {
    return this.info?.scoring ?? null;
  }

  /** The catalog's categories, for the "Is this …?" choices. */
  get categories(): readonly string[] {
    return this.info?.categories ?? [];
  }

  get hasQuery(): boolean {
    return this.photo !== null || this.words !== '';
  }

  /** A new photo (dropped, chosen, taken, or a product's "find similar"): shown and searched. */
  usePhoto(photo: File): void {
    this.photo = photo;
    this.view?.photoChanged(photo);
    void this.run(photo, '');
  }

  /** Part of the photo the shopper picked: searched in its place, with the words, as a category change is. */
  searchArea(area: File): void {
    void this.run(area, this.words);
  }

  /** The controls changed (category, result count): the same query again. */
  refresh(): void {
    if (this.hasQuery) void this.run(this.photo, this.words);
  }

  /** The Search button: the words typed, with the photo if there is one. */
  searchWords(words: string): void {
    if (this.photo || words) void this.run(this.photo, words);
    else this.view?.nothingToSearch();
  }

  wordsCleared(): void {
    if (this.photo) void this.run(this.photo, '');
    else this.clear();
  }

  removePhoto(): void {
    this.photo = null;
    this.view?.photoChanged(null);
    if (this.words) void this.run(null, this.words);
    else this.clear();
  }

  /** A kiosk's idle reset: no photo, no words, no results. */
  startOver(): void {
    this.photo = null;
    this.view?.photoChanged(null);
    this.clear();
  }

  /** A photo alone, words alone (`photo` null), or a photo the words change ("in blue"). */
  private async run(photo: File | null, words: string, category?: string): Promise<void> {
    const asked = {};
    this.latest = asked;
    this.photo = photo;
    this.words = words;
    // Photo searches keep their own measure (the benchmarks time drops); searches with words get theirs.
    const [mark, measure] = words ? ['vitrine:words', 'vitrine:words-to-results'] : ['vitrine:photo', 'vitrine:drop-to-results'];
    performance.mark(mark);
    this.view?.searching(category);
    const response = photo ? await this.engine.search(photo, this.request(), words) : await this.engine.searchText(words, this.request());
    if (asked !== this.latest) return;
    this.view?.answered({ response, photo, words });
    performance.measure(measure, mark);
  }

  /** The shopper answered "Is this …?" with a category (the view has set the selector to it). */
  confirmCategory(category: string): void {
    void this.run(this.photo, this.words, category);
  }

  private clear(): void {
    this.latest = null;
    this.words = '';
    this.view?.cleared();
  }
}
