import type { Backend } from '../shared/embedders.js';
// The WASM runtimes, served from this app's origin (never a CDN): Vite copies them from the installed package.
import cpuGlue from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import cpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import gpuGlue from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import gpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

/**
 * The onnxruntime-web runtime files of each backend, as built URLs (relative to the script that imports them). The
 * worker loads them; the page's offline preparation (src/offline/page/) caches the pair the worker chose.
 */
export const RUNTIME_FILES: Readonly<Record<Backend, { readonly mjs: string; readonly wasm: string }>> = {
  wasm: { mjs: cpuGlue, wasm: cpuBinary },
  webgpu: { mjs: gpuGlue, wasm: gpuBinary },
};
