import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SILENT_PROGRESS, type Progress } from '../../common/shared/progress.js';
import { buildIndex } from '../../index/node/build.js';
import { sampleIndices } from '../../vectors/shared/random.js';
import { median, rotate, summarize, type Summary } from '../shared/stats.js';
import { RUN_DIR } from './paths.js';

export interface ThroughputOptions {
  readonly profiles: readonly string[];
  /** Products per build: a seeded sample of the catalog. */
  readonly products: number;
  readonly catalogImages: string;
  readonly labels: string | null;
  readonly reps: number;
  readonly warmup: number;
  readonly progress: Progress;
}

export interface ThroughputProfile {
  readonly profile: string;
  readonly products: number;
  readonly builds: number;
  /** Products / whole build (scan, embed, describe, graphs, gates, write), from an empty embedding cache. */
  readonly products_per_s: Summary;
  /** Images embedded per second by the worker pool (the part that grows with the catalog). */
  readonly embed_images_per_s: Summary;
  readonly total_s: Summary;
  /** Median seconds per build stage. */
  readonly stages_s: Record<string, number>;
  /** The last build's artifacts (for the size and page parts of this run; removed at its end). */
  readonly artifacts: string;
}

export interface ThroughputResult {
  readonly products: number;
  readonly workers: number;
  readonly reps: number;
  readonly warmup: number;
  readonly profiles: ThroughputProfile[];
}


/** A catalog folder of `count` sampled photos (symlinks; the scan follows them). */
function sampleCatalog(images: string, count: number): string {
  const dir = join(RUN_DIR, 'build', `catalog-${count}`, 'images');
  const files = readdirSync(images).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const chosen = sampleIndices(files.length, count, 20261124).map((i) => files[i]!);
  if (existsSync(dir) && readdirSync(dir).length === chosen.length) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of chosen) symlinkSync(join(images, f), join(dir, f));
  return dir;
}

/**
 * Indexer throughput: whole builds of a catalog sample with an empty embedding cache, per profile, alternating the
 * profiles within each repetition. The quality gates sample 20 photos, and the whole-catalog scope gets an HNSW
 * graph as the demo catalog's does.
 */
export async function benchThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const { progress } = options;
  const catalog = sampleCatalog(options.catalogImages, options.products);
  const runs = new Map<string, { total: number; perS: number; embed: number; stages: Record<string, number>; products: number }[]>(
    options.profiles.map((p) => [p, []]),
  );
  const total = options.warmup + options.reps;
  for (let rep = 0; rep < total; rep++) {
    for (const profile of rotate(options.profiles, rep)) {
      const cacheDir = join(RUN_DIR, 'build', `embeddings-${profile}`);
      rmSync(cacheDir, { recursive: true, force: true });
      const started = performance.now();
      const result = await buildIndex({
        catalogDir: catalog,
        labelsPath: options.labels,
        outDir: join(RUN_DIR, 'build', profile),
        profile,
        cacheDir,
        gateSample: Math.min(20, options.products),
        index: { exactBelow: options.products },
        progress: SILENT_PROGRESS,
      });
      const seconds = (performance.now() - started) / 1000;
      rmSync(cacheDir, { recursive: true, force: true });
      if (!result.passed) throw new Error(`the ${profile} build of ${options.products} products failed its quality gates: ${JSON.stringify(result.stats.gates.filter((g) => !g.passed))}`);
      const products = result.stats.counts.products;
      progress.line(`build ${profile} #${rep + 1}${rep < options.warmup ? ' (warm-up)' : ''}: ${products} products in ${seconds.toFixed(1)} s`);
      if (rep < options.warmup) continue;
      runs.get(profile)!.push({ total: seconds, perS: products / seconds, embed: result.stats.throughput_products_per_s ?? Number.NaN, stages: result.stats.timings_s, products });
    }
  }
  return {
    products: options.products,
    workers: availableParallelism(),
    reps: options.reps,
    warmup: options.warmup,
    profiles: options.profiles.map((profile) => {
      const r = runs.get(profile)!;
      const stageNames = Object.keys(r[0]!.stages);
      return {
        profile,
        products: r[0]!.products,
        builds: r.length,
        products_per_s: summarize(r.map((x) => x.perS)),
        embed_images_per_s: summarize(r.map((x) => x.embed)),
        total_s: summarize(r.map((x) => x.total)),
        stages_s: Object.fromEntries(stageNames.map((s) => [s, median(r.map((x) => x.stages[s] ?? 0))])),
        artifacts: join(RUN_DIR, 'build', profile),
      };
    }),
  };
}
