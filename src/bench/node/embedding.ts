import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Browser } from '@playwright/test';
import { loadModelsConfig } from '../../models/node/config.js';
import type { Progress } from '../../common/shared/progress.js';
import { decodeImage } from '../../imaging/node/decode.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import { loadImageEmbedder, modelFilePath } from '../../models/node/load.js';
import type { ImageEmbedder } from '../../models/shared/embedders.js';
import { resolveProfile } from '../../models/shared/manifest.js';
import { timeEmbedding } from '../shared/embed-timing.js';
import type { Backend } from '../../models/shared/embedders.js';
import type { EmbedTiming, GpuProbe } from '../shared/protocol.js';
import { rotate, summarize, type Summary } from '../shared/stats.js';
import { BenchPage } from './browser.js';
import type { BenchServer } from './server.js';
import type { Skip } from './types.js';

export interface EmbeddingOptions {
  readonly profile: string;
  readonly photo: string;
  readonly framing: Framing;
  readonly threads: readonly number[];
  readonly reps: number;
  readonly warmup: number;
  readonly browser: Browser;
  readonly pageDir: string;
  readonly server: BenchServer;
  readonly progress: Progress;
}

export interface EmbeddingContender {
  readonly runtime: 'browser' | 'node';
  /** onnxruntime-web backend in the browser; "cpu" for onnxruntime-node. */
  readonly backend: Backend | 'cpu';
  readonly threads: number;
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

export interface EmbeddingResult {
  readonly profile: string;
  readonly models: { readonly semantic: string; readonly visual: string };
  readonly photo: { readonly file: string; readonly width: number; readonly height: number };
  readonly reps: number;
  readonly warmup: number;
  readonly contenders: EmbeddingContender[];
  /** Browser p50 / native p50 at the same thread count (WASM): > 1 means the browser is slower. */
  readonly ratios: { readonly threads: number; readonly towers: number; readonly photo: number }[];
  readonly webgpu: { readonly probe: GpuProbe; readonly measured: boolean; readonly note: string };
  readonly skipped: Skip[];
}

interface Contender {
  readonly runtime: EmbeddingContender['runtime'];
  readonly backend: EmbeddingContender['backend'];
  readonly threads: number;
  readonly loadMs: number;
  once(): Promise<EmbedTiming>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function nodeContender(profileName: string, threads: number, photo: Uint8Array, framing: Framing): Promise<Contender> {
  const config = loadModelsConfig();
  const profile = resolveProfile(config, profileName);
  const started = performance.now();
  const semantic: ImageEmbedder = await loadImageEmbedder(config, profile.imageSemantic, { threads });
  const visual: ImageEmbedder = await loadImageEmbedder(config, profile.visual, { threads });
  return {
    runtime: 'node',
    backend: 'cpu',
    threads,
    loadMs: performance.now() - started,
    once: () => timeEmbedding(() => decodeImage(photo, 'photo'), semantic, visual, framing),
  };
}

/**
 * Image embedding per photo, side by side: onnxruntime-node and onnxruntime-web (WASM, in headless Chromium) at each
 * thread count on the same graphs and the same photo, plus WebGPU when the browser offers a hardware adapter. One
 * repetition runs every contender once, in a rotated order; the first `warmup` repetitions are discarded.
 */
export async function benchEmbedding(options: EmbeddingOptions): Promise<EmbeddingResult> {
  const { server, progress } = options;
  const config = loadModelsConfig();
  const profile = resolveProfile(config, options.profile);
  const photoBytes = new Uint8Array(await readFile(options.photo));
  const decoded = await decodeImage(photoBytes, basename(options.photo));
  const semanticUrl = server.file(`/bench-data/embed-semantic.onnx`, modelFilePath(config, profile.imageSemantic.model, profile.imageSemantic.spec.file));
  const visualUrl = server.file(`/bench-data/embed-visual.onnx`, modelFilePath(config, profile.visual.model, profile.visual.spec.file));
  const photoUrl = server.file(`/bench-data/embed-photo${options.photo.slice(options.photo.lastIndexOf('.'))}`, options.photo);
  const skipped: Skip[] = [];

  const page = await BenchPage.open(options.browser, server, options.pageDir);
  try {
    await page.spawn('gpu-probe');
    const probe = await page.call('gpu-probe', 'probeGpu');
    await page.terminate('gpu-probe');
    const hardwareGpu = probe.adapter !== null && !probe.adapter.fallback;

    const contenders: Contender[] = [];
    const browserContender = async (backend: Backend, threads: number): Promise<Contender> => {
      const id = `embed-${backend}-${threads}`;
      await page.spawn(id);
      const info = await page.call(id, 'setupEmbed', {
        backend,
        threads,
        semantic: { url: semanticUrl, spec: profile.imageSemantic.spec },
        visual: { url: visualUrl, spec: profile.visual.spec },
        photoUrl,
        framing: options.framing,
      });
      return { runtime: 'browser', backend, threads, loadMs: info.loadMs, once: () => page.call(id, 'embedOnce') };
    };
    for (const threads of options.threads) {
      progress.line(`embedding: loading ${profile.name} models, ${threads} thread${threads > 1 ? 's' : ''}, onnxruntime-node and -web…`);
      contenders.push(await nodeContender(profile.name, threads, photoBytes, options.framing));
      contenders.push(await browserContender('wasm', threads));
    }
    if (hardwareGpu) contenders.push(await browserContender('webgpu', Math.max(...options.threads)));
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
        backend: c.backend,
        threads: c.threads,
        load_ms: c.loadMs,
        decode_ms: summarize(t.map((x) => x.decodeMs)),
        preprocess_ms: summarize(t.map((x) => x.preprocessMs)),
        semantic_ms: summarize(t.map((x) => x.semanticMs)),
        visual_ms: summarize(t.map((x) => x.visualMs)),
        towers_ms: summarize(t.map((x) => x.semanticMs + x.visualMs)),
        photo_ms: summarize(t.map((x) => x.decodeMs + x.preprocessMs + x.semanticMs + x.visualMs)),
      };
    });
    const find = (runtime: string, backend: string, threads: number) => results.find((r) => r.runtime === runtime && r.backend === backend && r.threads === threads)!;
    const ratios = options.threads.map((threads) => {
      const web = find('browser', 'wasm', threads);
      const native = find('node', 'cpu', threads);
      return { threads, towers: web.towers_ms.p50 / native.towers_ms.p50, photo: web.photo_ms.p50 / native.photo_ms.p50 };
    });
    return {
      profile: profile.name,
      models: {
        semantic: `${profile.imageSemantic.model}/${profile.imageSemantic.spec.file}`,
        visual: `${profile.visual.model}/${profile.visual.spec.file}`,
      },
      photo: { file: basename(options.photo), width: decoded.width, height: decoded.height },
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

