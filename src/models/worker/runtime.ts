import type { InferenceSession } from 'onnxruntime-common';
import type { Backend, OrtRuntime } from '../shared/embedders.js';
import { RUNTIME_FILES } from './runtime-files.js';

export interface InferenceRuntime {
  readonly ort: OrtRuntime;
  readonly backend: Backend;
  /** WASM threads (ops WebGPU does not take run on them too). */
  readonly threads: number;
  readonly sessionOptions: InferenceSession.SessionOptions;
}

/**
 * WebGPU only on a real adapter: headless and GPU-less browsers offer a software fallback adapter that is far slower
 * than WASM for these models. `adapter.isFallbackAdapter` is the older spelling of `adapter.info.isFallbackAdapter`.
 */
async function hasHardwareGpu(): Promise<boolean> {
  const gpu = (navigator as Partial<Pick<WorkerNavigator, 'gpu'>>).gpu;
  if (!gpu) return false;
  try {
    const adapter = (await gpu.requestAdapter()) as (GPUAdapter & { readonly isFallbackAdapter?: boolean }) | null;
    if (!adapter) return false;
    return !((adapter.info as Partial<GPUAdapterInfo> | undefined)?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
  } catch {
    return false;
  }
}

/** Threads need SharedArrayBuffer, which only a cross-origin isolated page (COOP + COEP) gets. */
function wasmThreads(): number {
  return crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
}

const absolute = (url: string) => new URL(url, self.location.href).href;

/** Loads the smallest onnxruntime-web build that serves the backend: the WASM-only one is half the download. */
export async function chooseRuntime(): Promise<InferenceRuntime> {
  const backend: Backend = (await hasHardwareGpu()) ? 'webgpu' : 'wasm';
  const ort = backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  const threads = wasmThreads();
  ort.env.wasm.numThreads = threads;
  const files = RUNTIME_FILES[backend];
  ort.env.wasm.wasmPaths = { mjs: absolute(files.mjs), wasm: absolute(files.wasm) };
  return {
    ort,
    backend,
    threads,
    sessionOptions: { executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'], graphOptimizationLevel: 'all' },
  };
}
