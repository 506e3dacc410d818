import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { build, preview, type Plugin, type PreviewServer } from 'vite';
import { dropPhoto, photoFile, searched } from './page-driver.js';
import { PROJECT_ROOT } from '../../common/node/paths.js';
import type { Progress } from '../../common/shared/progress.js';
import { readManifest } from '../../artifacts/node/read.js';
// The type of window.__vitrine.
import type {} from '../../page/handle.js';
import type { Backend } from '../../models/shared/embedders.js';
import { rotate, summarize, type Summary } from '../shared/stats.js';
import { RUN_DIR } from './paths.js';
import type { BenchPhoto } from './embedding.js';

export interface PageIndex {
  /** Short name: the URL prefix and the table label. */
  readonly name: string;
  readonly dir: string;
}

export interface PageOptions {
  readonly indexes: readonly PageIndex[];
  /** Dropped in turn; the first one also times the first search after a cold load. */
  readonly photos: readonly BenchPhoto[];
  readonly reps: number;
  readonly warmup: number;
  /** Drops of each photo timed per load, after the first search (which is reported apart). */
  readonly searches: number;
  readonly browser: Browser;
  readonly progress: Progress;
}

export interface PageIndexResult {
  readonly name: string;
  readonly artifacts: string;
  readonly profile: string;
  readonly products: number;
  readonly backend: Backend;
  readonly threads: number;
  readonly loads: number;
  readonly searches: number;
  /** Bytes the browser fetched from navigation to ready on a cold load (median over loads), by kind. */
  readonly cold_bytes: { readonly app: number; readonly models: number; readonly artifacts: number; readonly total: number };
  readonly cold_ready_ms: Summary;
  readonly warm_ready_ms: Summary;
  readonly first_search_ms: Summary;
  /** Drop → result cards shown, per photo name. */
  readonly drop_to_results_ms: Readonly<Record<string, Summary>>;
}

export interface PageResult {
  readonly photos: readonly { readonly name: string; readonly file: string }[];
  readonly reps: number;
  readonly warmup: number;
  readonly indexes: PageIndexResult[];
}

/**
 * The production build of the app against one index (what `npm run build:web` writes with VITRINE_ARTIFACTS), with
 * the window.__vitrine handle the benchmark reads the engine's figures through.
 */
async function buildApp(artifacts: string, outDir: string): Promise<void> {
  const previous = { VITRINE_ARTIFACTS: process.env.VITRINE_ARTIFACTS, VITE_TEST_HANDLE: process.env.VITE_TEST_HANDLE };
  Object.assign(process.env, { VITRINE_ARTIFACTS: artifacts, VITE_TEST_HANDLE: '1' });
  try {
    await build({ root: PROJECT_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

type ByteKind = 'app' | 'models' | 'artifacts' | 'catalog';
type ByteCounts = Record<ByteKind, number>;
const zero = (): ByteCounts => ({ app: 0, models: 0, artifacts: 0, catalog: 0 });
const kindOf = (url: string): ByteKind => (/^\/(models|artifacts|catalog)\//.exec(url)?.[1] as ByteKind | undefined) ?? 'app';

/** Counts the bytes `vite preview` sends, by kind of URL (one page at a time, so they are that page's). */
function byteCounter(counts: { current: ByteCounts }): Plugin {
  return {
    name: 'vitrine-bench-bytes',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const kind = kindOf(new URL(req.url ?? '/', 'http://local').pathname);
        let mine = 0;
        const count = (chunk: unknown) => {
          if (typeof chunk === 'string') { counts.current[kind] += Buffer.byteLength(chunk); mine += Buffer.byteLength(chunk); }
          else if (chunk instanceof Uint8Array) { counts.current[kind] += chunk.byteLength; mine += chunk.byteLength; }
        };
        res.on('finish', () => process.env.BENCH_DEBUG && console.error('served', req.url, res.statusCode, kind, mine));
        const write = res.write.bind(res) as (...args: unknown[]) => boolean;
        const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
        (res as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => (count(chunk), write(chunk, ...rest));
        (res as { end: unknown }).end = (chunk?: unknown, ...rest: unknown[]) => (typeof chunk !== 'function' && count(chunk), end(chunk, ...rest));
        next();
      });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `vite preview` of a build: the project's own preview server, headers and all, as `npm run demo` serves it. */
async function serveApp(outDir: string, counts: { current: ByteCounts }): Promise<{ url: string; server: PreviewServer }> {
  const port = await freePort();
  const server = await preview({
    root: PROJECT_ROOT,
    logLevel: 'error',
    build: { outDir },
    preview: { port, strictPort: true, host: '127.0.0.1', open: false },
    plugins: [byteCounter(counts)],
  });
  return { url: `http://127.0.0.1:${port}/`, server };
}

const readyAt = (page: Page) =>
  page.evaluate(async () => {
    const info = await window.__vitrine.ready;
    return { ms: performance.getEntriesByName('vitrine:ready')[0]!.startTime, info };
  });

async function dropToResults(page: Page, photo: string): Promise<number> {
  await searched(page, () => dropPhoto(page, photoFile(photo)));
  return page.evaluate(() => performance.getEntriesByName('vitrine:drop-to-results').at(-1)!.duration);
}

interface Samples {
  cold: number[];
  warm: number[];
  first: number[];
  search: Map<string, number[]>;
  bytes: { app: number; models: number; artifacts: number }[];
  info: Awaited<ReturnType<typeof readyAt>>['info'] | null;
}

/**
 * The shopper's timings, from the marks the page records itself: navigation → ready on a fresh browser profile
 * (cold: everything downloaded) and after a reload (warm: models and index from IndexedDB), and drop → result
 * cards. Each repetition loads every index once, in a rotated order; the first `warmup` repetitions are discarded.
 */
export async function benchPage(options: PageOptions): Promise<PageResult> {
  const { progress, browser } = options;
  const samples = new Map<string, Samples>(options.indexes.map((i) => [i.name, { cold: [], warm: [], first: [], search: new Map(), bytes: [], info: null }]));
  const counts = { current: zero() };
  const servers: PreviewServer[] = [];
  try {
    const urls = new Map<string, string>();
    for (const index of options.indexes) {
      progress.line(`page: building the app against ${index.dir}…`);
      const outDir = join(RUN_DIR, `app-${index.name}`);
      await buildApp(index.dir, outDir);
      const served = await serveApp(outDir, counts);
      servers.push(served.server);
      urls.set(index.name, served.url);
    }
    const total = options.warmup + options.reps;
    for (let rep = 0; rep < total; rep++) {
      for (const index of rotate(options.indexes, rep)) {
        const s = samples.get(index.name)!;
        const context = await browser.newContext(); // a fresh profile: empty IndexedDB and HTTP cache
        try {
          const page = await context.newPage();
          counts.current = zero();
          await page.goto(urls.get(index.name)!);
          const cold = await readyAt(page);
          const bytes = counts.current;
          const first = await dropToResults(page, options.photos[0]!.path);
          await page.reload();
          const warm = await readyAt(page);
          if (warm.info.files.fromNetwork !== 0) throw new Error(`${index.name}: the reload downloaded ${warm.info.files.fromNetwork} files — IndexedDB caching is not working`);
          const searches: [string, number][] = [];
          for (let i = 0; i < options.searches; i++) {
            for (const photo of rotate(options.photos, i + rep)) searches.push([photo.name, await dropToResults(page, photo.path)]);
          }
          if (rep < options.warmup) continue;
          s.cold.push(cold.ms);
          s.warm.push(warm.ms);
          s.first.push(first);
          for (const [name, ms] of searches) s.search.set(name, [...(s.search.get(name) ?? []), ms]);
          s.bytes.push({ app: bytes.app, models: bytes.models, artifacts: bytes.artifacts });
          s.info = cold.info;
        } finally {
          await context.close();
        }
      }
      progress.count('page loads', rep + 1, total, 'repetitions');
    }
  } finally {
    for (const server of servers) await server.close();
  }

  const indexes: PageIndexResult[] = [];
  for (const index of options.indexes) {
    const s = samples.get(index.name)!;
    const manifest = await readManifest(index.dir);
    const mid = (pick: (b: Samples['bytes'][number]) => number) => summarize(s.bytes.map(pick)).p50;
    const cold = { app: mid((b) => b.app), models: mid((b) => b.models), artifacts: mid((b) => b.artifacts) };
    indexes.push({
      name: index.name,
      artifacts: index.dir,
      profile: manifest.profile,
      products: manifest.counts.products,
      backend: s.info!.backend,
      threads: s.info!.threads,
      loads: s.cold.length,
      searches: [...s.search.values()].reduce((n, v) => n + v.length, 0),
      cold_bytes: { ...cold, total: cold.app + cold.models + cold.artifacts },
      cold_ready_ms: summarize(s.cold),
      warm_ready_ms: summarize(s.warm),
      first_search_ms: summarize(s.first),
      drop_to_results_ms: Object.fromEntries(options.photos.map((p) => [p.name, summarize(s.search.get(p.name) ?? [])])),
    });
  }
  return { photos: options.photos.map((p) => ({ name: p.name, file: basename(p.path) })), reps: options.reps, warmup: options.warmup, indexes };
}
