import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { folderReader } from '../../artifacts/node/read.js';
import type { ArtifactManifest, CategoryRecord, Product } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { Progress } from '../../common/shared/progress.js';
import { SILENT_PROGRESS } from '../../common/shared/progress.js';
import { openCatalogDir } from '../../search/node/catalog.js';
import { NodeSearchEngine } from '../../search/node/engine.js';
import { readProductTexts, type SearchCatalog } from '../../search/shared/catalog.js';
import { searchCatalog, type QueryVectors } from '../../search/shared/policy.js';
import { searchBody } from '../../search/shared/wire.js';
import { startEmbeddedServer, type EmbeddedServer } from '../../server/node/database.js';
import { exportCatalog } from '../../server/node/export.js';
import { startSearchServer } from '../../server/node/http.js';
import { servedBuild } from '../../server/node/schema.js';
import { PgCatalogSource } from '../../server/node/source.js';
import type { Matrix } from '../../vectors/shared/vector.js';
import { summarize, type Summary } from '../shared/stats.js';
import { syntheticVectors } from '../shared/synthetic.js';

export interface LoadRun {
  readonly clients: number;
  readonly seconds: number;
  readonly requests: number;
  readonly qps: number;
  readonly qps_per_core: number;
  readonly latency_ms: Summary & { readonly p99: number };
  /** Answers other than 200 (none expected while the database is up). */
  readonly errors: number;
}

export interface CatalogLoad {
  readonly name: string;
  readonly products: number;
  readonly synthetic: boolean;
  /** `npm run export:pg`'s work: rows, then the HNSW indexes, in one transaction. */
  readonly export_s: number;
  readonly runs: LoadRun[];
  /** Top-10 of the API (HNSW, as configured) against the same policy over exact scans, per query photo. */
  readonly recall_at_10: number;
  readonly queries: number;
  /** The same searches through exact scans (in process, no HTTP): what the indexes save. */
  readonly exact_ms: Summary;
}

export interface FaultRun {
  readonly catalog: string;
  readonly clients: number;
  /** How long the run lasted: up, down, then up again after the restart. */
  readonly seconds: number;
  readonly stopped_at_s: number;
  readonly restarted_at_s: number;
  readonly answers: Record<string, number>;
  /** Requests that failed otherwise than a 503 with its message (a crash, a 500, a hang). */
  readonly other_failures: number;
  /** From the database being back to the first 200. */
  readonly recovery_ms: number | null;
  /** After the run: row counts as the manifest says, and the same answer as before the fault. */
  readonly intact: boolean;
}

export interface ServerLoadResult {
  readonly engine: string;
  readonly cores: number;
  readonly catalogs: CatalogLoad[];
  readonly fault: FaultRun | null;
  readonly note: string;
}

export interface ServerLoadOptions {
  readonly artifactsDir: string;
  readonly queryPhotos: string;
  readonly photos: number;
  /** Catalog sizes beyond the artifacts' own: synthetic variants of its products (44,441: the full Kaggle catalog). */
  readonly syntheticSizes: readonly number[];
  readonly clients: readonly number[];
  readonly seconds: number;
  readonly faultSeconds: number;
  readonly progress: Progress;
}

/** Every scope scanned exactly: the reference the recall is measured against. */
function exactly(manifest: ArtifactManifest): ArtifactManifest {
  return { ...manifest, catalogIndex: { kind: 'exact' }, categories: manifest.categories.map((c) => ({ ...c, index: { kind: 'exact' } })) };
}

/**
 * A larger catalog made of the real one: each product a variant of a real product (same category and record, its
 * vectors moved by noise to an expected cosine of 0.92 and renormalised), scopes indexed as a build would index
 * them at that size.
 */
function syntheticCatalog(base: SearchCatalog, texts: Matrix, size: number): { catalog: SearchCatalog; texts: Matrix } {
  const dim = base.semantic.dim;
  const sources = Array.from({ length: size }, (_, i) => (i * 7919) % base.products.length);
  const variant = (m: Matrix, row: number, seed: number) => syntheticVectors(m.data.subarray(row * m.dim, (row + 1) * m.dim), m.dim, 1, 0.92, seed);
  const semantic = new Float32Array(size * dim);
  const visual = new Float32Array(size * base.visual.dim);
  const names = new Float32Array(size * texts.dim);
  const products: Product[] = sources.map((source, i) => {
    const entry = base.entryProducts.indexOf(source);
    semantic.set(variant(base.semantic, entry, 3 * i + 1), i * dim);
    visual.set(variant(base.visual, entry, 3 * i + 2), i * base.visual.dim);
    names.set(variant(texts, source, 3 * i + 3), i * texts.dim);
    const p = base.products[source]!;
    return { ...p, id: `${p.id}-v${i}` };
  });
  const { manifest } = base;
  const byCategory = new Map<string, number>();
  for (const p of products) byCategory.set(p.category, (byCategory.get(p.category) ?? 0) + 1);
  const categories: CategoryRecord[] = [...byCategory].map(([name, count]) => ({
    name,
    products: count,
    entries: count,
    index: count >= manifest.index.exactBelow ? { kind: 'hnsw', file: `hnsw/category-${categoryKey(name)}.hnsw` } : { kind: 'exact' },
  }));
  const synthetic: ArtifactManifest = {
    ...manifest,
    buildId: `5a${size.toString(16).padStart(14, '0')}`,
    counts: { products: size, entries: size, skipped: 0 },
    vectors: {
      semantic: { ...manifest.vectors.semantic, rows: size },
      visual: { ...manifest.vectors.visual, rows: size },
      text: { ...manifest.vectors.text, rows: size },
    },
    catalogIndex: { kind: 'hnsw', file: 'hnsw/catalog.hnsw' },
    categories,
  };
  return {
    catalog: {
      ...base,
      manifest: synthetic,
      products,
      entryProducts: Uint32Array.from({ length: size }, (_, i) => i),
      semantic: { rows: size, dim, data: semantic },
      visual: { rows: size, dim: base.visual.dim, data: visual },
    },
    texts: { rows: size, dim: texts.dim, data: names },
  };
}

interface Sample {
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly message: string | null;
}

/**
 * `clients` loops posting the query bodies in turn until `seconds` have passed — or, with `during`, until it has
 * done what it does meanwhile: bounded in time and count either way.
 */
async function load(url: URL, bodies: readonly string[], clients: number, seconds: number, during?: (elapsed: () => number) => Promise<void>): Promise<Sample[]> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let running = true;
  const samples: Sample[] = [];
  let next = 0;
  const client = async () => {
    while (running && samples.length < 1_000_000) {
      const body = bodies[next++ % bodies.length]!;
      const sent = performance.now();
      let status = 0;
      let message: string | null = null;
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) });
        status = response.status;
        const json = (await response.json()) as { error?: string };
        message = json.error ?? null;
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      samples.push({ at: sent - started, ms: performance.now() - sent, status, message });
    }
  };
  const end = async () => {
    await (during ? during(elapsed) : new Promise((done) => setTimeout(done, seconds * 1000)));
    running = false;
  };
  await Promise.all([...Array.from({ length: clients }, client), end()]);
  return samples;
}

function loadRun(samples: readonly Sample[], clients: number, seconds: number, cores: number): LoadRun {
  const ok = samples.filter((s) => s.status === 200);
  const latencies = ok.map((s) => s.ms).sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? Number.NaN;
  return {
    clients,
    seconds,
    requests: samples.length,
    qps: ok.length / seconds,
    qps_per_core: ok.length / seconds / cores,
    latency_ms: { ...summarize(latencies), p99 },
    errors: samples.length - ok.length,
  };
}

/**
 * The search on PostgreSQL + pgvector under load, on loopback: the embedded engine (PGlite over its wire
 * protocol, as `npm run serve` starts it) behind the real API server; concurrent clients posting query vectors of
 * real photos for a fixed time; recall@10 against exact scans; then the database stopped and restarted mid-run.
 */
export async function benchServerLoad(options: ServerLoadOptions): Promise<ServerLoadResult> {
  const { progress } = options;
  const cores = cpus().length;
  const base = await openCatalogDir(options.artifactsDir);
  const baseTexts = await readProductTexts(base.manifest, folderReader(options.artifactsDir));
  const catalogDir = (JSON.parse(readFileSync(join(options.artifactsDir, 'index_stats.json'), 'utf8')) as { catalog: string }).catalog;
  const engine = await NodeSearchEngine.open(options.artifactsDir);
  const files = readdirSync(options.queryPhotos)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .slice(0, options.photos);
  const queries: QueryVectors[] = [];
  for (const f of files) queries.push(await engine.embed(new Uint8Array(readFileSync(join(options.queryPhotos, f)))));
  const bodies = queries.map((query) => JSON.stringify(searchBody({ kind: 'photo', query }, { topK: 10 })));

  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-bench-pg-'));
  // As `npm run serve` runs it: on a worker thread of its own, stopped and started again by the fault run.
  let database: EmbeddedServer = await startEmbeddedServer(dataDir);
  const restartable = {
    stop: () => database.stop(),
    restart: async () => void (database = await startEmbeddedServer(dataDir, database.port)),
  };
  // No client-side query timeout: an export builds indexes for minutes (searches set statement_timeout themselves).
  const pool = new pg.Pool({ connectionString: database.url, max: 8, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  // The API server serves a web app too: an empty page is all the API's measurements need.
  const webRoot = mkdtempSync(join(tmpdir(), 'vitrine-bench-web-'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>bench</title>');
  const catalogs: CatalogLoad[] = [];
  let fault: FaultRun | null = null;
  try {
    const sets = [
      { name: 'catalog', catalog: base, texts: baseTexts, synthetic: false },
      ...options.syntheticSizes.map((size) => ({ name: `synthetic ${size.toLocaleString('en')}`, ...syntheticCatalog(base, baseTexts, size), synthetic: true })),
    ];
    for (const set of sets) {
      progress.line(`  ${set.name}: loading ${set.catalog.manifest.counts.products.toLocaleString('en')} products into the embedded Postgres…`);
      const exportStarted = performance.now();
      await exportCatalog(pool, { catalog: set.catalog, productTexts: async () => set.texts, catalogDir }, SILENT_PROGRESS);
      const exportS = (performance.now() - exportStarted) / 1000;
      const api = await startSearchServer({ pool, dist: webRoot, port: 0, rateLimit: { perSecond: 1e9, burst: 1e9 } });
      try {
        const url = new URL('api/search', api.url);
        const runs: LoadRun[] = [];
        for (const clients of options.clients) {
          await load(url, bodies.slice(0, 2), 1, 1); // warm-up: connections, caches
          runs.push(loadRun(await load(url, bodies, clients, options.seconds), clients, options.seconds, cores));
          progress.line(`    ${clients} client(s): ${runs.at(-1)!.qps.toFixed(1)} searches/s, p50 ${runs.at(-1)!.latency_ms.p50.toFixed(1)} ms`);
        }
        const build = await servedBuild(pool);
        const exact = await PgCatalogSource.open(pool, build, exactly(build.manifest));
        let found = 0;
        const exactMs: number[] = [];
        for (const [i, query] of queries.entries()) {
          const answer = (await (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies[i] })).json()) as { results: { id: string }[] };
          const started = performance.now();
          const truth = (await searchCatalog(exact, query, { topK: 10 })).results.map((r) => r.id);
          exactMs.push(performance.now() - started);
          found += answer.results.filter((r) => truth.includes(r.id)).length / Math.max(1, truth.length);
        }
        catalogs.push({
          name: set.name,
          products: set.catalog.manifest.counts.products,
          synthetic: set.synthetic,
          export_s: exportS,
          runs,
          recall_at_10: found / queries.length,
          queries: queries.length,
          exact_ms: summarize(exactMs),
        });
        if (fault === null && options.faultSeconds > 0) fault = await faultRun(set.name, url, bodies, restartable, pool, options.faultSeconds, progress);
      } finally {
        await api.close();
      }
    }
  } finally {
    await pool.end();
    await database.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(webRoot, { recursive: true, force: true });
  }
  return {
    engine: 'PGlite 0.5 (PostgreSQL 18 in WASM, one backend) + pgvector 0.8 over pglite-socket, on its own thread as npm run serve embeds it',
    cores,
    catalogs,
    fault,
    note: 'Loopback; the API server, the embedded database and the load clients share the machine. QPS per core = QPS / all cores.',
  };
}

async function faultRun(
  catalog: string,
  url: URL,
  bodies: readonly string[],
  database: { stop(): Promise<void>; restart(): Promise<void> },
  pool: pg.Pool,
  seconds: number,
  progress: Progress,
): Promise<FaultRun> {
  const clients = 4;
  const probe = bodies[0]!;
  const ask = async () => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: probe })).json();
  const before = await ask();
  const build = await servedBuild(pool);
  let restartedAt = Number.NaN;
  const stopAt = seconds / 3;
  const pause = (s: number) => new Promise((done) => setTimeout(done, s * 1000));
  // Up for a third of `seconds`, down for a third, then up again for a third once the restart is done.
  const samples = await load(url, bodies, clients, seconds, async (elapsed) => {
    await pause(stopAt);
    await database.stop();
    await pause(seconds / 3);
    await database.restart();
    restartedAt = elapsed();
    await pause(seconds / 3);
  });
  const total = samples.reduce((end, s) => Math.max(end, s.at + s.ms), 0) / 1000;
  const answers: Record<string, number> = {};
  for (const s of samples) answers[String(s.status)] = (answers[String(s.status)] ?? 0) + 1;
  const otherFailures = samples.filter((s) => s.status !== 200 && !(s.status === 503 && s.message === 'the catalog database is unavailable — try again in a moment')).length;
  const firstOk = samples.filter((s) => s.status === 200 && s.at + s.ms > restartedAt).sort((a, b) => a.at + a.ms - (b.at + b.ms))[0];
  const { rows } = await pool.query<{ entries: number; products: number }>(
    `SELECT (SELECT count(*) FROM ${build.schema}.entries)::int AS entries, (SELECT count(*) FROM ${build.schema}.products)::int AS products`,
  );
  const intact =
    rows[0]!.entries === build.manifest.counts.entries && rows[0]!.products === build.manifest.counts.products && JSON.stringify(await ask()) === JSON.stringify(before);
  progress.line(`    fault: ${JSON.stringify(answers)}, recovered ${firstOk ? `${(firstOk.at + firstOk.ms - restartedAt).toFixed(0)} ms` : 'never'} after the restart, intact: ${intact}`);
  return {
    catalog,
    clients,
    seconds: total,
    stopped_at_s: stopAt,
    restarted_at_s: restartedAt / 1000,
    answers,
    other_failures: otherFailures,
    recovery_ms: firstOk ? firstOk.at + firstOk.ms - restartedAt : null,
    intact,
  };
}
