import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { loadDatasets } from '../../assets/node/datasets.js';
import { loadModelsConfig } from '../../models/node/config.js';
import { ASSETS_DIR, defaultMirror, PROJECT_ROOT } from '../../common/node/paths.js';
import { runSetup } from '../../assets/node/setup.js';
import type { Progress } from '../../common/shared/progress.js';
import { buildIndex } from '../../index/node/build.js';
import { readManifest } from '../../artifacts/node/read.js';
import { benchAnn, type AnnResult } from './ann.js';
import { BenchPage, buildBenchPage, launchChromium } from './browser.js';
import { benchEmbedding, type BenchPhoto, type EmbeddingResult } from './embedding.js';
import { loadNow, machineInfo, settledLoad, wasBusy, type LoadWindow, type MachineInfo } from './machine.js';
import { phonePhoto } from './phone-photo.js';
import { benchPage, type PageIndex, type PageResult } from './page.js';
import { RUN_DIR } from './paths.js';
import { BenchServer } from './server.js';
import { indexSize, profileDownloads, type IndexSize, type ProfileDownload } from './sizes.js';
import { benchScale, type ScaleLine } from './scale.js';
import { benchServerLoad, type ServerLoadResult } from './server-load.js';
import { benchThroughput, type ThroughputResult } from './throughput.js';
import type { Skip } from './types.js';

export const PARTS = ['embed', 'ann', 'build', 'page', 'size', 'server', 'scale'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  /** Smoke run: mini models, the test index, small sets, few repetitions. */
  readonly quick: boolean;
  readonly parts: ReadonlySet<Part>;
  /** ANN sets: "catalog" (the index's own vectors) and synthetic row counts. */
  readonly sizes: readonly ('catalog' | number)[];
  /** Catalog sizes of the scale part (compact layout against today's). */
  readonly scaleSizes: readonly number[];
  /** The index the page serves and the ANN catalog set comes from. */
  readonly artifactsDir: string | null;
  readonly progress: Progress;
}

/** The figures that matter, printed last. */
export interface KeyFigures {
  readonly drop_to_results_p50_ms: { readonly value: number; readonly of: string } | null;
  readonly recall_at_10_at_p50_latency: { readonly recall_at_10: number; readonly p50_ms: number; readonly of: string } | null;
  readonly bytes_per_product: { readonly value: number; readonly page_value: number; readonly of: string } | null;
}

export interface BenchResult {
  readonly tool: 'vitrine bench';
  readonly format: 1;
  readonly started_at: string;
  readonly duration_s: number;
  readonly mode: 'full' | 'quick';
  readonly parts: Part[];
  readonly machine: MachineInfo;
  /** Wall time of each part (set-up and builds of cached graphs included). */
  readonly part_seconds: Partial<Record<Part | 'setup', number>>;
  readonly method: string;
  readonly artifacts: { readonly dir: string; readonly build_id: string; readonly profile: string; readonly products: number };
  readonly embedding: EmbeddingResult | null;
  readonly ann: AnnResult | null;
  readonly build: ThroughputResult | null;
  readonly page: PageResult | null;
  readonly sizes: { readonly indexes: IndexSize[]; readonly downloads: ProfileDownload[] } | null;
  /**
   * The load average around each timed part, per attempt: a part measured while the machine was busy is warned
   * about and measured again (up to `reruns` times), and the quietest attempt is the one reported.
   */
  readonly load: Partial<Record<Part, LoadWindow[]>>;
  /** The search on PostgreSQL + pgvector (remote mode): load, recall against exact, the database stopped mid-run. */
  readonly server: ServerLoadResult | null;
  /** One line per catalog size and format (npm run build:scale catalogs): size, recall against exact, latency. */
  readonly scale: ScaleLine[] | null;
  readonly skipped: Skip[];
  readonly key_figures: KeyFigures;
}

const METHOD =
  'Every comparison is measured in this one run: each repetition runs every contender once, in an order rotated from one repetition to the next, and the first repetitions are discarded as warm-up. Timings are medians (p50) of the repetitions, with p95 where a latency spreads; counts of repetitions and samples are given with each table.';

/** Per-mode settings. Full runs take 20–40 minutes (the first one also builds and caches the 100k and 1M graphs). */
function settings(quick: boolean) {
  return quick
    ? {
        embed: { profile: 'mini', reps: 3, warmup: 1 },
        reruns: 0,
        settleSeconds: 0,
        ann: { queries: 20, exactQueries: () => 20, efSearch: [16, 64, 128], rounds: 2, warmup: 1 },
        build: { profiles: ['mini'], products: 12, reps: 1, warmup: 0 },
        page: { reps: 1, warmup: 0, searches: 2 },
        server: { photos: 4, syntheticSizes: [], clients: [2], seconds: 2, faultSeconds: 6 },
      }
    : {
        embed: { profile: 'arch', reps: 20, warmup: 3 },
        reruns: 2,
        // A 1-minute load average falls from 2 to 1 in about 40 s once the bench's own work stops.
        settleSeconds: 120,
        ann: { queries: Infinity, exactQueries: (rows: number) => (rows <= 20_000 ? Infinity : rows <= 200_000 ? 50 : 10), efSearch: [16, 32, 64, 128, 256], rounds: 5, warmup: 1 },
        build: { profiles: ['mini', 'arch'], products: 160, reps: 3, warmup: 1 },
        page: { reps: 5, warmup: 1, searches: 3 },
        // 44,441: the full Kaggle fashion catalog the demo catalog is a sample of.
        server: { photos: 40, syntheticSizes: [44_441], clients: [1, 4, 8], seconds: 15, faultSeconds: 15 },
      };
}

/** Models and data sets in place (verified copies from ../shared/assets); false with a reason when not. */
async function ensureAssets(profile: string, progress: Progress): Promise<string | null> {
  try {
    await runSetup({
      models: loadModelsConfig(),
      datasets: loadDatasets(),
      profile,
      datasetNames: ['catalog', 'queries'],
      assetsDir: ASSETS_DIR,
      mirror: defaultMirror(),
      hubBase: process.env.HF_ENDPOINT ?? 'https://huggingface.co',
      progress: { file: () => undefined, count: () => undefined, warn: (m) => progress.warn(m) },
    });
    return null;
  } catch (error) {
    return `the ${profile} models could not be set up (${error instanceof Error ? error.message : String(error)}) — run: npm run setup -- --profile ${profile}`;
  }
}

function catalogPaths() {
  const catalog = loadDatasets().catalog!;
  const queries = loadDatasets().queries!;
  return {
    images: join(ASSETS_DIR, catalog.mirror, catalog.images),
    labels: join(ASSETS_DIR, catalog.mirror, catalog.labels),
    /** The 1-megapixel query photo (900×1200) the timed parts use, and the source of the 12-megapixel one. */
    photo: join(ASSETS_DIR, queries.mirror, queries.images, '12333.jpg'),
    queryPhotos: join(ASSETS_DIR, queries.mirror, queries.images),
  };
}

/** The index to measure: the test index (quick), the given folder, or the demo index (built when missing). */
async function mainIndex(options: BenchOptions): Promise<string> {
  if (options.quick && !options.artifactsDir) {
    const { ensureTestArtifacts } = await import('../../index/node/sample-index.js');
    return ensureTestArtifacts();
  }
  const dir = options.artifactsDir ?? join(PROJECT_ROOT, 'artifacts/demo');
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  if (options.artifactsDir) throw new Error(`no index at ${dir} (manifest.json missing)`);
  const paths = catalogPaths();
  options.progress.line(`no demo index yet: building ${dir} (as npm run demo does; about 4 minutes on 2 cores)…`);
  const result = await buildIndex({ catalogDir: paths.images, labelsPath: paths.labels, outDir: dir, profile: 'mini', cacheDir: join(PROJECT_ROOT, '.cache/embeddings'), gateSample: 200, progress: options.progress });
  if (!result.passed) throw new Error('the demo index failed its quality gates (see npm run build:index)');
  return dir;
}

/** The photo the drop-to-results key figure is about: what shoppers drop. */
const KEY_PHOTO = '12 MP';

/** The photos of the timed parts: the 1-megapixel query photo and a 12-megapixel phone shot made from it. */
async function benchPhotos(photo: string): Promise<BenchPhoto[]> {
  mkdirSync(RUN_DIR, { recursive: true });
  const phone = join(RUN_DIR, 'phone-12mp.jpg');
  writeFileSync(phone, await phonePhoto(photo));
  return [
    { name: '1 MP', path: photo },
    { name: KEY_PHOTO, path: phone },
  ];
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { progress, parts } = options;
  const startedAt = new Date();
  const machine = machineInfo();
  const mode = settings(options.quick);
  const skipped: Skip[] = [];
  const paths = catalogPaths();
  const partSeconds: BenchResult['part_seconds'] = {};
  const load: BenchResult['load'] = {};
  /** Runs a timed part, and again while the machine was busy (keeping the quietest attempt). */
  const timed = async <T>(part: Part, measure: () => Promise<T>): Promise<T> => {
    const attempts: { window: LoadWindow; result: T }[] = [];
    for (;;) {
      const start = await settledLoad(machine.cores, mode.settleSeconds, (now) => progress.line(`  ${part}: waiting up to ${mode.settleSeconds} s for the load average (${now.toFixed(2)}) to settle`));
      const result = await measure();
      const end = loadNow();
      const window = { start, end, busy: wasBusy(start, end, machine.cores) };
      attempts.push({ window, result });
      if (!window.busy) break;
      const again = attempts.length <= mode.reruns;
      progress.warn(`${part}: the machine was busy (load average ${start.toFixed(2)} → ${end.toFixed(2)} on ${machine.cores} cores)${again ? ' — measuring again' : ' — figures are unreliable'}`);
      if (!again) break;
    }
    load[part] = attempts.map((a) => a.window);
    return attempts.reduce((a, b) => (b.window.end + b.window.start < a.window.end + a.window.start ? b : a)).result;
  };
  let lap = performance.now();
  const done = (part: Part | 'setup') => {
    const now = performance.now();
    partSeconds[part] = Math.round((now - lap) / 100) / 10;
    lap = now;
    if (part !== 'setup') progress.line(`  ${part} done in ${partSeconds[part]!.toFixed(1)} s`);
  };

  const missingMini = await ensureAssets('mini', progress);
  if (missingMini) throw new Error(missingMini);
  const missingArch = options.quick ? null : await ensureAssets('arch', progress);
  if (missingArch) skipped.push({ what: 'everything on the arch profile (embedding, arch builds and page)', reason: missingArch });

  const artifactsDir = await mainIndex(options);
  const manifest = await readManifest(artifactsDir);
  const server = await BenchServer.start();
  const photos = parts.has('embed') || parts.has('page') ? await benchPhotos(paths.photo) : [];
  let pageDir: string | null = null;
  const benchPageDir = async () => (pageDir ??= await buildBenchPage());
  const browsers: Browser[] = [];
  done('setup');
  const browser = async (webgpu = false) => {
    const b = await launchChromium({ webgpu });
    machine.chromium ??= b.version();
    browsers.push(b);
    return b;
  };

  let embedding: EmbeddingResult | null = null;
  let ann: AnnResult | null = null;
  let build: ThroughputResult | null = null;
  let page: PageResult | null = null;
  let sizes: BenchResult['sizes'] = null;
  let serverLoad: ServerLoadResult | null = null;
  let scale: ScaleLine[] | null = null;
  try {
    if (parts.has('build')) {
      const profiles = mode.build.profiles.filter((p) => p !== 'arch' || !missingArch);
      progress.line(`— index build throughput: ${mode.build.products}-product sample, ${profiles.join(' and ')} (${mode.build.warmup} warm-up + ${mode.build.reps} builds each)`);
      build = await benchThroughput({ ...mode.build, profiles, catalogImages: paths.images, labels: paths.labels, progress });
      done('build');
    }

    const embedProfile = missingArch ? null : mode.embed.profile;
    if (parts.has('embed') && embedProfile) {
      progress.line(`— image embedding: ${embedProfile} profile, Node vs browser (${mode.embed.warmup} warm-up + ${mode.embed.reps} repetitions)`);
      const b = await browser(true);
      const pageDir = await benchPageDir();
      embedding = await timed('embed', () =>
        benchEmbedding({ ...mode.embed, profile: embedProfile, photos, framing: manifest.index.framing, threads: [1, 2], browser: b, pageDir, server, progress }),
      );
      skipped.push(...embedding.skipped);
      await b.close();
      done('embed');
    }

    if (parts.has('ann')) {
      progress.line(`— ANN search: sets ${options.sizes.join(', ')} (${mode.ann.warmup} warm-up + ${mode.ann.rounds} rounds)`);
      const b = await browser();
      const annPage = await BenchPage.open(b, server, await benchPageDir());
      const photos = readdirSync(paths.queryPhotos)
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .sort()
        .slice(0, mode.ann.queries)
        .map((f) => join(paths.queryPhotos, f));
      ann = await benchAnn({ ...mode.ann, queryPhotos: photos, artifactsDir, sizes: options.sizes, page: annPage, server, progress });
      for (const set of ann.sets) skipped.push(...set.skipped);
      await b.close();
      done('ann');
    }

    // A page on production-size models: the arch sample index the build part wrote, when it did.
    const archIndex = build?.profiles.find((p) => p.profile === 'arch')?.artifacts ?? null;
    if (parts.has('page')) {
      const indexes: PageIndex[] = [{ name: options.quick ? 'test' : 'demo', dir: artifactsDir }];
      if (archIndex) indexes.push({ name: 'arch-sample', dir: archIndex });
      else if (!options.quick) skipped.push({ what: 'page timings on production-size (arch) models', reason: 'they use the arch index that the build part writes; run without --skip build' });
      progress.line(`— page: ${indexes.map((i) => i.name).join(' and ')} (${mode.page.warmup} warm-up + ${mode.page.reps} loads each)`);
      const b = await browser();
      page = await timed('page', () => benchPage({ ...mode.page, indexes, photos, browser: b, progress }));
      await b.close();
      done('page');
    }

    if (parts.has('size')) {
      const indexes = [await indexSize(options.quick ? 'test' : 'demo', artifactsDir)];
      for (const p of build?.profiles ?? []) indexes.push(await indexSize(`${p.profile}-sample`, p.artifacts));
      const appBytes = page?.indexes[0]?.cold_bytes.app ?? null;
      sizes = { indexes, downloads: profileDownloads(indexes, manifest.counts.products, appBytes) };
      done('size');
    }

    if (parts.has('server')) {
      const sizes = mode.server.syntheticSizes.map((n) => n.toLocaleString('en'));
      progress.line(`— search server: PostgreSQL + pgvector (embedded), ${[`the ${options.quick ? 'test' : 'demo'} catalog`, ...sizes].join(' and ')}; ${mode.server.clients.join(', ')} clients × ${mode.server.seconds} s`);
      serverLoad = await benchServerLoad({ ...mode.server, artifactsDir, queryPhotos: paths.queryPhotos, progress });
      done('server');
    }

    if (parts.has('scale')) {
      progress.line(`— scale: compact layout at ${options.scaleSizes.map((n) => n.toLocaleString('en')).join(', ')} products, against exact float32 and today's layout, in the page and in Node`);
      const b = await browser();
      const scalePage = await BenchPage.open(b, server, await benchPageDir());
      scale = await benchScale({
        browser: { page: scalePage, server },
        sizes: options.scaleSizes,
        baseDir: artifactsDir,
        catalogDir: paths.images,
        cacheDir: join(PROJECT_ROOT, '.cache/scale-embeddings'),
        workDir: join(PROJECT_ROOT, options.quick ? '.cache/bench/scale-quick' : 'artifacts/scale'),
        queries: options.quick ? 20 : 200,
        progress,
      });
      await b.close();
      done('scale');
    }
  } finally {
    for (const b of browsers) await b.close().catch(() => undefined);
    await server.close();
    rmSync(RUN_DIR, { recursive: true, force: true });
  }

  const mainName = options.quick ? 'test' : 'demo';
  const pageMain = page?.indexes.find((i) => i.name === mainName);
  const annMain = ann?.sets.find((s) => s.name === 'catalog')?.contenders.find((c) => c.engine === 'hnswlib-wasm' && c.setting === 'page');
  const sizeMain = sizes?.indexes.find((i) => i.name === mainName);
  const keyFigures: KeyFigures = {
    drop_to_results_p50_ms: pageMain
      ? {
          value: pageMain.drop_to_results_ms[KEY_PHOTO]!.p50,
          of: `${KEY_PHOTO} phone photo, ${mainName} index (${pageMain.products.toLocaleString('en')} products, ${pageMain.profile} models), ${pageMain.backend.toUpperCase()} × ${pageMain.threads} threads`,
        }
      : null,
    recall_at_10_at_p50_latency: annMain
      ? { recall_at_10: annMain.recall_at_10, p50_ms: annMain.latency_ms.p50, of: `hnswlib-wasm in the browser, ${mainName} catalog graph, as the page searches it (k ${annMain.k} at efSearch ${annMain.ef})` }
      : null,
    bytes_per_product: sizeMain
      ? { value: sizeMain.bytes_per_product, page_value: sizeMain.page_bytes_per_product, of: `${mainName} index (${sizeMain.products.toLocaleString('en')} products, ${sizeMain.profile} profile)` }
      : null,
  };
  machine.load_average.end = loadavg()[0]!;
  return {
    tool: 'vitrine bench',
    format: 1,
    started_at: startedAt.toISOString(),
    duration_s: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    mode: options.quick ? 'quick' : 'full',
    parts: PARTS.filter((p) => parts.has(p)),
    machine,
    part_seconds: partSeconds,
    method: METHOD,
    artifacts: { dir: artifactsDir, build_id: manifest.buildId, profile: manifest.profile, products: manifest.counts.products },
    embedding,
    ann,
    build,
    page,
    sizes,
    load,
    server: serverLoad,
    scale,
    skipped,
    key_figures: keyFigures,
  };
}
