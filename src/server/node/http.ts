import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import type pg from 'pg';
import { MANIFEST_FILE } from '../../artifacts/shared/format.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import { contentTypeOf, ISOLATION_HEADERS, SECURITY_HEADERS } from '../../common/shared/http-headers.js';
import { loadModelsConfig } from '../../models/node/config.js';
import { searchCatalog, searchCatalogByText } from '../../search/shared/policy.js';
import { assertJsonSafe, type SearchResponse } from '../../search/shared/response.js';
import { MAX_BODY_BYTES, parseSearchBody, RequestError, SEARCH_API_PATH } from '../../search/shared/wire.js';
import { isUnavailable } from './database.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import { servedBuildId } from './schema.js';
import { ServedCatalogs, type ServedCatalog } from './served.js';

export interface SearchServerOptions {
  readonly pool: pg.Pool;
  /** The web app built by `npm run build:web` (index.html, assets/, sw.js). */
  readonly dist: string;
  readonly port?: number;
  readonly host?: string;
  readonly rateLimit?: RateLimit;
  /** One line per request: method, path, status, time, sizes — never a body. */
  readonly log?: (line: string) => void;
  readonly assetsDir?: string;
}

export interface SearchServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const UNAVAILABLE = 'the catalog database is unavailable — try again in a moment';

/** `file` inside `root`, or null for a path that would leave it ("..", absolute, NUL). */
function inside(root: string, path: string): string | null {
  if (path.includes('\0')) return null;
  const full = resolve(root, `.${sep}${path}`);
  return full === root || full.startsWith(root + sep) ? full : null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        fail(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
        req.resume(); // read and drop the rest, so the answer can be sent
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/**
 * `npm run serve`: the static page in remote mode, and `POST /api/search` answering from Postgres.
 *
 *   POST /api/search            query vectors + options (src/search/shared/wire.ts) → the search response JSON
 *   GET  /api/health            the build served and its size, or 503 while the database is unavailable
 *   GET  /artifacts/manifest.json   the served build's manifest with `remote`, which puts the page in remote mode
 *   GET  /models/<model>/<file>     the encoders of the served build (from assets/)
 *   GET  /catalog/<image>           product photos (from the folder the build recorded)
 *   GET  anything else              the web app in `dist`
 * The policy (classification, fusion, dedup, response) is the shared code; the database only finds candidates.
 */
export async function startSearchServer(options: SearchServerOptions): Promise<SearchServer> {
  const { pool, log = () => undefined, assetsDir = ASSETS_DIR } = options;
  const dist = resolve(options.dist);
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no web app in ${dist} — build it with npm run build:web`);
  const catalogs = await ServedCatalogs.open(pool);
  const limiter = new RateLimiter(options.rateLimit);
  const models = loadModelsConfig();

  /** Headers set one by one, so the request log can read the size back. */
  const head = (res: ServerResponse, status: number, headers: Record<string, string>) => {
    for (const [name, value] of Object.entries({ ...ISOLATION_HEADERS, ...SECURITY_HEADERS, ...headers })) res.setHeader(name, value);
    res.writeHead(status);
  };
  const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>) => {
    head(res, status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) =>
    send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  const sendFile = (req: IncomingMessage, res: ServerResponse, file: string | null, cache: string) => {
    const stat = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!file || !stat?.isFile()) throw new HttpError(404, 'not found');
    head(res, 200, {
      'Content-Type': contentTypeOf(file),
      'Content-Length': String(stat.size),
      'Cache-Control': cache,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  /** Runs a query on the served build; once more on the new build when the one it read was switched and dropped. */
  const onServed = async <T>(work: (served: ServedCatalog) => Promise<T>): Promise<T> => {
    try {
      return await work(await catalogs.current());
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '42P01' && code !== '3F000') throw error;
      catalogs.forget();
      return work(await catalogs.current());
    }
  };

  const search = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { Allow: 'POST' });
    const wait = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) throw new HttpError(429, 'too many searches from this address — slow down', { 'Retry-After': String(Math.ceil(wait / 1000)) });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send the query as Content-Type: application/json');
    const body = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    const response = await onServed(async ({ source }): Promise<SearchResponse> => {
      const { query, request } = parseSearchBody(parsed, source.info.dims);
      return query.kind === 'photo' ? searchCatalog(source, query.query, request) : searchCatalogByText(source, query.query, request);
    });
    assertJsonSafe(response);
    sendJson(res, 200, response);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname).replace(/^\/+/, '');
    } catch {
      throw new HttpError(400, 'the path is not valid');
    }
    if (path === SEARCH_API_PATH) return search(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'not allowed', { Allow: 'GET, HEAD' });
    if (path === 'api/health') {
      // A round trip to the database every time: a monitor must see it down at once.
      await servedBuildId(pool);
      const { build } = await catalogs.current();
      return sendJson(res, 200, { status: 'ok', build_id: build.buildId, products: build.manifest.counts.products });
    }
    if (path === `artifacts/${MANIFEST_FILE}`) {
      const { build } = await catalogs.current();
      return sendJson(res, 200, { ...build.manifest, remote: { api: SEARCH_API_PATH } }, { 'Cache-Control': 'no-cache' });
    }
    const { build } = catalogs.latest;
    const model = /^models\/([^/]+)\/(.+)$/.exec(path);
    if (model) {
      const record = Object.values(build.manifest.models).find((r) => r.model === model[1] && r.files[model[2]!]);
      const mirror = record && models.models[record.model]?.mirror;
      return sendFile(req, res, mirror ? inside(resolve(assetsDir, mirror), model[2]!) : null, 'no-cache');
    }
    if (path.startsWith('catalog/')) {
      const file = inside(resolve(build.catalogDir), path.slice('catalog/'.length));
      return sendFile(req, res, file && /\.(jpe?g|png|webp)$/i.test(file) ? file : null, 'no-cache');
    }
    if (path.startsWith('artifacts/')) throw new HttpError(404, 'not found: in remote mode the index is searched by this server');
    const file = inside(dist, path === '' ? 'index.html' : path);
    const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return sendFile(req, res, file, cache);
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    // Sizes and timing only: a body (query vectors) is never logged.
    res.on('finish', () =>
      log(`${req.method} ${path} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms in ${req.headers['content-length'] ?? 0} B out ${res.getHeader('content-length') ?? '-'} B`),
    );
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message }, error.headers);
      if (error instanceof RequestError) return sendJson(res, error.status, { error: error.message });
      if (isUnavailable(error)) return sendJson(res, 503, { error: UNAVAILABLE }, { 'Retry-After': '2' });
      log(`error on ${req.method} ${path}: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown'}`);
      sendJson(res, 500, { error: 'the search failed on the server' });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 4173, options.host ?? '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
