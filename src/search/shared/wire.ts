/**
 * The search API's request (`POST /api/search`): what leaves the device in remote mode. A photo travels as its two
 * embeddings (and, "like this, but in blue", the words' embedding), words as their text and embedding; never
 * pixels. The answer is the same JSON response the page computes itself in local mode.
 *
 *   { "semantic": [512 numbers], "visual": [512 numbers], "modifier"?: [512 numbers],    a photo (+ words)
 *     "category"?: "Jeans" | null, "top_k"?: 8, "fusion"?: "weighted" | "rrf" }
 *   { "text": "red dress", "semantic": [512 numbers], "category"?, "top_k"?, "fusion"? }  words alone
 */
import type { FusionMode } from '../../artifacts/shared/config.js';
import type { QueryAnswerer } from './engine.js';
import type { QueryVectors, SearchRequest, TextQuery } from './policy.js';
import type { SearchResponse } from './response.js';

export const SEARCH_API_PATH = 'api/search';

/** Generous for 3 × 512 numbers written in full (≈ 20 kB), small enough that nothing else fits. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_TOP_K = 200;
export const MAX_TEXT_CHARS = 500;

export interface SearchBody {
  readonly semantic: readonly number[];
  readonly visual?: readonly number[];
  readonly modifier?: readonly number[];
  readonly text?: string;
  readonly category?: string | null;
  readonly top_k?: number;
  readonly fusion?: FusionMode;
}

const FIELDS = new Set(['semantic', 'visual', 'modifier', 'text', 'category', 'top_k', 'fusion']);

export type ApiQuery = { readonly kind: 'photo'; readonly query: QueryVectors } | { readonly kind: 'text'; readonly query: TextQuery };

/** A request the API refuses, with the HTTP status to answer and a message that quotes no vector values. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function searchBody(query: ApiQuery, request: SearchRequest): SearchBody {
  const options = {
    ...(request.category !== undefined && { category: request.category }),
    ...(request.topK !== undefined && { top_k: request.topK }),
    ...(request.fusion !== undefined && { fusion: request.fusion }),
  };
  if (query.kind === 'text') return { text: query.query.text, semantic: Array.from(query.query.vector), ...options };
  const { semantic, visual, modifier } = query.query;
  return { semantic: Array.from(semantic), visual: Array.from(visual), ...(modifier && { modifier: Array.from(modifier) }), ...options };
}

function vector(body: Record<string, unknown>, key: string, dim: number): Float32Array {
  const value = body[key];
  if (!Array.isArray(value)) throw new RequestError(400, `"${key}" must be an array of ${dim} numbers`);
  if (value.length !== dim) throw new RequestError(422, `"${key}" has ${value.length} numbers; this catalog's vectors have ${dim}`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x: unknown = value[i];
    // Unit vectors: anything outside [-1, 1] (or Infinity, which JSON cannot even carry) is not an embedding.
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > 1.0001) throw new RequestError(422, `"${key}"[${i}] is not a finite number in [-1, 1]`);
    out[i] = x;
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  if (Math.abs(Math.sqrt(norm) - 1) > 1e-3) throw new RequestError(422, `"${key}" is not a unit vector (length ${Math.sqrt(norm).toFixed(3)})`);
  return out;
}

/**
 * Checks a parsed request body against the catalog's vector widths: unknown fields, wrong types, widths, values
 * that are no embedding, sizes. Throws a RequestError (4xx) that names the field, never its values.
 */
export function parseSearchBody(value: unknown, dims: { readonly semantic: number; readonly visual: number }): { query: ApiQuery; request: SearchRequest } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestError(400, 'the body must be a JSON object');
  const body = value as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !FIELDS.has(k));
  if (unknown.length) throw new RequestError(400, `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}`);

  const { category, top_k: topK, fusion, text } = body;
  if (category !== undefined && category !== null && (typeof category !== 'string' || category.length > 100)) {
    throw new RequestError(400, '"category" must be a category name (at most 100 characters) or null');
  }
  if (topK !== undefined && !(typeof topK === 'number' && Number.isInteger(topK) && topK >= 1 && topK <= MAX_TOP_K)) {
    throw new RequestError(400, `"top_k" must be a whole number from 1 to ${MAX_TOP_K}`);
  }
  if (fusion !== undefined && fusion !== 'weighted' && fusion !== 'rrf') throw new RequestError(400, '"fusion" must be "weighted" or "rrf"');
  const request: SearchRequest = {
    ...(category !== undefined && { category: category as string | null }),
    ...(topK !== undefined && { topK: topK as number }),
    ...(fusion !== undefined && { fusion: fusion as FusionMode }),
  };

  if (text !== undefined) {
    if (typeof text !== 'string' || text.length > MAX_TEXT_CHARS) throw new RequestError(400, `"text" must be a string of at most ${MAX_TEXT_CHARS} characters`);
    if (body.visual !== undefined || body.modifier !== undefined) throw new RequestError(400, 'a "text" query has no "visual" or "modifier" vector');
    return { query: { kind: 'text', query: { text, vector: vector(body, 'semantic', dims.semantic) } }, request };
  }
  const modifier = body.modifier === undefined ? undefined : vector(body, 'modifier', dims.semantic);
  const query: QueryVectors = { semantic: vector(body, 'semantic', dims.semantic), visual: vector(body, 'visual', dims.visual), ...(modifier && { modifier }) };
  return { query: { kind: 'photo', query }, request };
}

/** The search API refused a query or could not be reached: the message says which, in the server's words. */
export class SearchApiError extends Error {
  override name = 'SearchApiError';
}

/**
 * A shop's search API as the client sees it (the page's worker, `npm run search -- --remote`): the query vectors
 * go out, the shared policy's response comes back. A refusal or an unavailable server becomes an Error with the
 * server's message.
 */
export function apiAnswerer(api: URL): QueryAnswerer {
  return {
    photo: (query, request) => askSearchApi(api, { kind: 'photo', query }, request),
    text: (query, request) => askSearchApi(api, { kind: 'text', query }, request),
  };
}

async function askSearchApi(api: URL, query: ApiQuery, request: SearchRequest): Promise<SearchResponse> {
  let answer: { readonly status: number; json(): Promise<unknown> };
  try {
    answer = await fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(searchBody(query, request)) });
  } catch (error) {
    throw new SearchApiError(`cannot reach the shop's search server at ${api.href} (${error instanceof Error ? error.message : String(error)})`);
  }
  const { status } = answer;
  const json = await answer.json().catch(() => null);
  if (status === 200) return json as SearchResponse;
  const reason = typeof json === 'object' && json !== null && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : `HTTP ${status}`;
  throw new SearchApiError(`the shop's search server answered ${status}: ${reason}`);
}
