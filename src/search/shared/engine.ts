import { locateGarment } from '../../imaging/shared/garment.js';
import type { Pixels } from '../../imaging/shared/image.js';
import type { Reduction } from '../../imaging/shared/reduction.js';
import { ImageDecodeError } from '../../imaging/shared/inspect.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { embedImages, queryReduction, type ImageEmbedders, type ImageEmbedding } from '../../models/shared/embed.js';
import type { TextEmbedder } from '../../models/shared/embedders.js';
import { normalize } from '../../vectors/shared/vector.js';
import { searchCatalog, searchCatalogByText, type QueryVectors, type SearchRequest, type TextQuery } from './policy.js';
import { assertJsonSafe, blankWords, errorResponse, type SearchResponse } from './response.js';
import type { CatalogSource } from './source.js';

/**
 * Where embedded queries are answered: the shared policy over a catalog source (the page, the CLI), or a shop's
 * search API (remote mode), which runs that same policy over its database.
 */
export interface QueryAnswerer {
  photo(query: QueryVectors, request: SearchRequest): Promise<SearchResponse>;
  text(query: TextQuery, request: SearchRequest): Promise<SearchResponse>;
}

export function policyAnswerer(source: CatalogSource): QueryAnswerer {
  return { photo: (query, request) => searchCatalog(source, query, request), text: (query, request) => searchCatalogByText(source, query, request) };
}

/** What only words need: the CLIP text tower, and an answerer that can score product names. Photo search needs neither. */
export interface TextSide {
  readonly embedder: TextEmbedder;
  readonly answerer: QueryAnswerer;
}

/** What differs between the runtimes: how a photo becomes pixels, and where the text side comes from. */
export interface EngineRuntime<Photo, Listener, Text extends TextSide> {
  /**
   * Decodes a photo, reduced by the factor `reduction` picks for its size (no more pixels than the towers need); an
   * ImageDecodeError for one it cannot read (that becomes `status: "error"`).
   */
  decode(photo: Photo, label: string, reduction: Reduction): Promise<Pixels>;
  /** Loads the text side; `listener` (the first caller's) hears how the download goes. */
  openText(listener: Listener | undefined): Promise<Text>;
}

/**
 * The one search path of Vitrine, shared by the CLI (Node) and the page's worker: decode → embed → (words) → the
 * shared policy → a response checked to be plain JSON. One inference at a time: a second photo waits for the first
 * instead of doubling memory and contention. The text side loads on the first query with words; a failed load is
 * tried again on the next one.
 */
export class SearchEngine<Photo, Listener = never, Text extends TextSide = TextSide> {
  private queue: Promise<unknown> = Promise.resolve();
  private textSide: Promise<Text> | null = null;

  constructor(
    private readonly answerer: QueryAnswerer,
    /** How query photos are framed: as the catalog's products were (the index records it). */
    private readonly framing: Framing,
    private readonly embedders: ImageEmbedders,
    private readonly runtime: EngineRuntime<Photo, Listener, Text>,
  ) {}

  loadText(listener?: Listener): Promise<Text> {
    this.textSide ??= this.runtime.openText(listener).catch((error: unknown) => {
      this.textSide = null;
      throw error;
    });
    return this.textSide;
  }

  /**
   * A photo → the JSON response; with `modifier` ("in blue") the photo's query is moved towards the words. A photo
   * that cannot be read becomes `status: "error"`.
   */
  async search(photo: Photo, request: SearchRequest = {}, label = 'image', modifier?: string): Promise<SearchResponse> {
    // Loaded outside the queue: a text model download must not hold up other searches.
    const words = modifier?.trim() ? await this.loadText() : null;
    return this.exclusive(async () => {
      let embedded: { embedding: ImageEmbedding; image: Pixels };
      try {
        embedded = await this.decodeAndEmbed(photo, label);
      } catch (error) {
        if (error instanceof ImageDecodeError) return errorResponse(error.message);
        throw error;
      }
      const { embedding } = embedded;
      const garment = locateGarment(embedded.image);
      const query = words ? { ...embedding, modifier: await embedText(words.embedder, modifier!) } : embedding;
      const response = await this.answerer.photo(query, request);
      // Where the garment seems to be, so a page can show it (and let the shopper correct it) when the engine is unsure.
      return jsonSafe(garment && response.status !== 'error' ? { ...response, garment_region: garment } : response);
    });
  }

  /** Words alone → the JSON response. */
  async searchText(text: string, request: SearchRequest = {}): Promise<SearchResponse> {
    const blank = blankWords(text);
    if (blank) return blank;
    const { embedder, answerer } = await this.loadText();
    return this.exclusive(async () => jsonSafe(await answerer.text({ text, vector: await embedText(embedder, text) }, request)));
  }

  /** A photo's unit semantic and visual embeddings. */
  embed(photo: Photo, label = 'image'): Promise<ImageEmbedding> {
    return this.exclusive(async () => (await this.decodeAndEmbed(photo, label)).embedding);
  }

  private async decodeAndEmbed(photo: Photo, label: string): Promise<{ embedding: ImageEmbedding; image: Pixels }> {
    const image = await this.runtime.decode(photo, label, queryReduction(this.embedders, this.framing));
    const [embedding] = await embedImages(this.embedders, [image], this.framing);
    return { embedding: embedding!, image };
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function embedText(embedder: TextEmbedder, text: string): Promise<Float32Array> {
  const [vector] = await embedder.embed([text]);
  return normalize(vector!);
}

function jsonSafe(response: SearchResponse): SearchResponse {
  assertJsonSafe(response);
  return response;
}
