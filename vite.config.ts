import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { ISOLATION_HEADERS, vitrineData } from './vite/vitrine-data.js';

export default defineConfig({
  // Relative URLs: the built page works from any folder of any static host.
  base: './',
  plugins: [vitrineData()],
  resolve: {
    // onnxruntime-web's builds that load their WASM runtime from `env.wasm.wasmPaths` (files this app serves),
    // instead of bundles that embed the runtime's loader and spawn threads from their own (rebundled) URL.
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  // The worker imports the onnxruntime-web build and hnswlib-wasm on demand: module workers split into chunks.
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // hnswlib-wasm ships its WASM inlined in one 700 kB module, loaded by the worker only.
    chunkSizeWarningLimit: 1500,
    // Copying the catalog's photos into the build takes seconds by design: no "slow plugin" warning for it.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // onnxruntime-node is a native addon: separate processes are safer than worker threads.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
