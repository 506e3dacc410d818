import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp from 'sharp';
import type { Browser } from '@playwright/test';
import { loadModelsConfig } from '../../models/node/config.js';
import type { Progress } from '../../common/shared/progress.js';
import { decodeForTowers } from '../../imaging/node/decode.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { loadImageEmbedder, modelFilePath } from '../../models/node/load.js';
import { resolveProfile } from '../../models/shared/manifest.js';
import { appPipeline, timeEmbedding } from '../shared/embed-timing.js';
import { sharpPipeline } from './native-pipeline.js';
import type { Backend } from '../../models/shared/embedders.js';
import type { EmbedTiming, GpuProbe } from '../shared/protocol.js';
import { median, rotate, summarize, type Summary } from '../shared/stats.js';
import { BenchPage } from './browser.js';
import type { BenchServer } from './server.js';
import type { Skip } from './types.js';

/** A photo the embedding part measures. */
export interface BenchPhoto {
  /** Short name: "1 MP", "12 MP". */
  readonly name: string;
  readonly path: string;
}

export interface EmbeddingOptions {
  readonly profile: string;
  readonly photos: readonly BenchPhoto[];
  readonly framing: Framing;
  readonly threads: readonly number[];
  readonly reps: number;
  readonly warmup: number;
  readonly browser: Browser;
  readonly pageDir: string;
  readonly server: BenchServer;
  readonly progress: Progress;
}

/**
 * How a photo becomes the towers' inputs: `app` is Vitrine's own path (decoding reduced, shared TypeScript
 * pre-processing), in Node or in the browser; `sharp` decodes and resizes with sharp's native code (Node only).
 */
export type Pipeline = 'app' | 'sharp';

export interface EmbeddingContender {
  readonly runtime: 'browser' | 'node';
  readonly pipeline: Pipeline;
  /** onnxruntime-web backend in the browser; "cpu" for onnxruntime-node. */
  readonly backend: Backend | 'cpu';
  readonly threads: number;
  /** The photo's short name. */
  readonly photo: string;
  /** Model bytes → both sessions ready (browser: fetch included), once. */
  readonly load_ms: number;
  readonly decode_ms: Summary;
  readonly preprocess_ms: Summary;
  readonly semantic_ms: Summary;
  readonly visual_ms: Summary;
  /** Both towers, per photo. */
  readonly towers_ms: Summary;
  /** Decode + pre-process + both towers, per photo. */
  readonly photo_ms: Summary;
}

/**
 * The browser (WASM) against the best native pipeline at one thread count: p50 / p50, > 1 means the browser is
 * slower. `towers`: both towers, over every photo; `photo`: the whole photo, decode to embeddings, per photo name.
 */
export interface EmbeddingRatio {
  readonly threads: number;
  readonly towers: number;
  readonly photo: Readonly<Record<string, number>>;
  /** Which native pipeline was faster, per photo name (the ratio's denominator). */
  readonly best_native: Readonly<Record<string, Pipeline>>;
}

export interface EmbeddingResult {
  readonly profile: string;
  readonly models: { readonly semantic: string; readonly visual: string };
  readonly photos: { readonly name: string; readonly file: string; readonly bytes: number; readonly width: number; readonly height: number }[];
  readonly reps: number;
  readonly warmup: number;
  readonly contenders: EmbeddingContender[];
  readonly ratios: EmbeddingRatio[];
  readonly webgpu: { readonly probe: GpuProbe; readonly measured: boolean; readonly note: string };
  readonly skipped: Skip[];
}

interface Contender {
  readonly runtime: EmbeddingContender['runtime'];
  readonly pipeline: Pipeline;
  readonly backend: EmbeddingContender['backend'];
  readonly threads: number;
  readonly photo: string;
  readonly loadMs: number;
  once(): Promise<EmbedTiming>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Image embedding per photo, side by side: onnxruntime-web (WASM, in headless Chromium) on the app's path against
 * onnxruntime-node on the app's path and on sharp's native one, at each thread count, on the same graphs and
 * photos, plus WebGPU when the browser offers a hardware adapter. One repetition runs every contender once, in a
 * rotated order; the first `warmup` repetitions are discarded.
 */
export async function benchEmbedding(options: EmbeddingOptions): Promise<EmbeddingResult> {
  const { server, progress } = options;
  const config = loadModelsConfig();
  const profile = resolveProfile(config, options.profile);
  const photos = await Promise.all(
    options.photos.map(async (photo, i) => {
      const bytes = new Uint8Array(await readFile(photo.path));
      const meta = await sharp(bytes).metadata();
      const sideways = (meta.orientation ?? 1) >= 5;
      const url = server.file(`/bench-data/embed-photo-${i}${photo.path.slice(photo.path.lastIndexOf('.'))}`, photo.path);
      return { ...photo, bytes, url, width: sideways ? meta.height : meta.width, height: sideways ? meta.width : meta.height };
    }),
  );
  const semanticUrl = server.file(`/bench-data/embed-semantic.onnx`, modelFilePath(config, profile.imageSemantic.model, profile.imageSemantic.spec.file));
  const visualUrl = server.file(`/bench-data/embed-visual.onnx`, modelFilePath(config, profile.visual.model, profile.visual.spec.file));
  const skipped: Skip[] = [];

  const page = await BenchPage.open(options.browser, server, options.pageDir);
  try {
    await page.spawn('gpu-probe');
    const probe = await page.call('gpu-probe', 'probeGpu');
    await page.terminate('gpu-probe');
    const hardwareGpu = probe.adapter !== null && !probe.adapter.fallback;

    const contenders: Contender[] = [];
    const nodeContenders = async (threads: number) => {
      const started = performance.now();
      const encoders = { imageSemantic: await loadImageEmbedder(config, profile.imageSemantic, { threads }), visual: await loadImageEmbedder(config, profile.visual, { threads }) };
      const loadMs = performance.now() - started;
      for (const photo of photos) {
        const base = { runtime: 'node', backend: 'cpu', threads, photo: photo.name, loadMs } as const;
        const app = appPipeline(encoders, options.framing, (reduction) => decodeForTowers(photo.bytes, 'photo', reduction));
        contenders.push({ ...base, pipeline: 'app', once: () => timeEmbedding(app, encoders, options.framing) });
        const native = sharpPipeline(photo.bytes, encoders, options.framing);
        contenders.push({ ...base, pipeline: 'sharp', once: () => timeEmbedding(native, encoders, options.framing) });
      }
    };
    const browserContenders = async (backend: Backend, threads: number) => {
      const id = `embed-${backend}-${threads}`;
      await page.spawn(id);
      const info = await page.call(id, 'setupEmbed', {
        backend,
        threads,
        semantic: { url: semanticUrl, spec: profile.imageSemantic.spec },
        visual: { url: visualUrl, spec: profile.visual.spec },
        photoUrls: photos.map((p) => p.url),
        framing: options.framing,
      });
      photos.forEach((photo, i) =>
        contenders.push({ runtime: 'browser', pipeline: 'app', backend, threads, photo: photo.name, loadMs: info.loadMs, once: () => page.call(id, 'embedOnce', i) }),
      );
    };
    for (const threads of options.threads) {
      progress.line(`embedding: loading ${profile.name} models, ${threads} thread${threads > 1 ? 's' : ''}, onnxruntime-node and -web…`);
      await nodeContenders(threads);
      await browserContenders('wasm', threads);
    }
    if (hardwareGpu) await browserContenders('webgpu', Math.max(...options.threads));
    const note = hardwareGpu
      ? `hardware adapter ${probe.adapter!.vendor} ${probe.adapter!.architecture}: measured`
      : probe.adapter
        ? `only a fallback (software) adapter: ${probe.adapter.vendor} ${probe.adapter.architecture} — the app passes it over for WASM, so it is not measured`
        : `no WebGPU adapter${probe.error ? ` (${probe.error})` : ''} — not measured`;
    if (!hardwareGpu) skipped.push({ what: 'WebGPU image embedding', reason: note });

    const timings = contenders.map(() => [] as EmbedTiming[]);
    const total = options.warmup + options.reps;
    for (let rep = 0; rep < total; rep++) {
      for (const i of rotate([...contenders.keys()], rep)) {
        const timing = await contenders[i]!.once();
        if (rep >= options.warmup) timings[i]!.push(timing);
        // Let the last contender's thread pool settle before the next one starts.
        await pause(20);
      }
      progress.count('embedding', rep + 1, total, 'repetitions');
    }

    const results: EmbeddingContender[] = contenders.map((c, i) => {
      const t = timings[i]!;
      return {
        runtime: c.runtime,
        pipeline: c.pipeline,
        backend: c.backend,
        threads: c.threads,
        photo: c.photo,
        load_ms: c.loadMs,
        decode_ms: summarize(t.map((x) => x.decodeMs)),
        preprocess_ms: summarize(t.map((x) => x.preprocessMs)),
        semantic_ms: summarize(t.map((x) => x.semanticMs)),
        visual_ms: summarize(t.map((x) => x.visualMs)),
        towers_ms: summarize(t.map((x) => x.semanticMs + x.visualMs)),
        photo_ms: summarize(t.map((x) => x.decodeMs + x.preprocessMs + x.semanticMs + x.visualMs)),
      };
    });
    const ratios = options.threads.map((threads) => embeddingRatio(contenders, timings, threads, photos.map((p) => p.name)));
    return {
      profile: profile.name,
      models: {
        semantic: `${profile.imageSemantic.model}/${profile.imageSemantic.spec.file}`,
        visual: `${profile.visual.model}/${profile.visual.spec.file}`,
      },
      photos: photos.map((p) => ({ name: p.name, file: basename(p.path), bytes: p.bytes.byteLength, width: p.width!, height: p.height! })),
      reps: options.reps,
      warmup: options.warmup,
      contenders: results,
      ratios,
      webgpu: { probe, measured: hardwareGpu, note },
      skipped,
    };
  } finally {
    await page.close();
  }
}

/** Browser WASM over the best native pipeline at one thread count (towers pooled over the photos). */
function embeddingRatio(contenders: readonly Contender[], timings: readonly EmbedTiming[][], threads: number, photos: readonly string[]): EmbeddingRatio {
  const samples = (keep: (c: Contender) => boolean, pick: (t: EmbedTiming) => number) =>
    contenders.flatMap((c, i) => (keep(c) ? timings[i]!.map(pick) : []));
  const towers = (t: EmbedTiming) => t.semanticMs + t.visualMs;
  const whole = (t: EmbedTiming) => t.decodeMs + t.preprocessMs + t.semanticMs + t.visualMs;
  const web = (c: Contender) => c.runtime === 'browser' && c.backend === 'wasm' && c.threads === threads;
  const native = (c: Contender) => c.runtime === 'node' && c.threads === threads;
  const photo: Record<string, number> = {};
  const bestNative: Record<string, Pipeline> = {};
  for (const name of photos) {
    const [best] = (['app', 'sharp'] as const)
      .map((pipeline) => ({ pipeline, p50: median(samples((c) => native(c) && c.photo === name && c.pipeline === pipeline, whole)) }))
      .sort((a, b) => a.p50 - b.p50);
    photo[name] = median(samples((c) => web(c) && c.photo === name, whole)) / best!.p50;
    bestNative[name] = best!.pipeline;
  }
  return { threads, towers: median(samples(web, towers)) / median(samples(native, towers)), photo, best_native: bestNative };
}
