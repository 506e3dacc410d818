import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { hnswlibWithoutEval } from './vite/hnswlib-csp.js';
import { cspMetaTag, DEV_SECURITY_HEADERS, SECURITY_HEADERS } from './vite/security.js';
import { serviceWorker } from './vite/service-worker.js';
import { ISOLATION_HEADERS } from './src/common/shared/http-headers.js';
import { vitrineData } from './vite/vitrine-data.js';

export default defineConfig({
  // Relative URLs: the built page works from any folder of any static host.
  base: './',
  plugins: [vitrineData(), cspMetaTag(), hnswlibWithoutEval(), serviceWorker()],
  resolve: {
    // onnxruntime-web's builds that load their WASM runtime from `env.wasm.wasmPaths` (files this app serves),
    // instead of bundles that embed the runtime's loader and spawn threads from their own (rebundled) URL.
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  // The worker imports the onnxruntime-web build and hnswlib-wasm on demand: module workers split into chunks.
  // hnswlib-wasm is rewritten to run without eval (vite/hnswlib-csp.ts): in the worker bundle, and in dev, where it
  // must therefore not be pre-bundled.
  worker: { format: 'es', plugins: () => [hnswlibWithoutEval()] },
  optimizeDeps: { exclude: ['hnswlib-wasm'] },
  build: {
    target: 'es2022',
    // hnswlib-wasm ships its WASM inlined in one 700 kB module, loaded by the worker only.
    chunkSizeWarningLimit: 1500,
    // Copying the catalog's photos into the build takes seconds by design: no "slow plugin" warning for it.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  // Isolation (multi-threaded WASM) and the Content-Security-Policy (vite/security.ts; looser styles and a
  // WebSocket for hot reload in dev only).
  server: { headers: { ...ISOLATION_HEADERS, ...DEV_SECURITY_HEADERS } },
  preview: { headers: { ...ISOLATION_HEADERS, ...SECURITY_HEADERS } },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // onnxruntime-node is a native addon: separate processes are safer than worker threads.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
