import { createRequire } from 'node:module';

/**
 * hnswlib-node, the native (64-bit C++) hnswlib, as an optional comparison: it is an optional dependency compiled by
 * node-gyp at install time, so a machine without a C++ toolchain simply lacks it. Only the calls the benchmark
 * makes are typed here, so the project type-checks without it.
 */
export interface NativeGraph {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
  writeIndexSync(path: string): void;
  readIndexSync(path: string): void;
  getCurrentCount(): number;
}

export interface NativeHnswLib {
  readonly HierarchicalNSW: new (space: 'ip' | 'l2' | 'cosine', dim: number) => NativeGraph;
}

export type NativeAvailability = { readonly ok: true; readonly lib: NativeHnswLib; readonly version: string } | { readonly ok: false; readonly reason: string };

let loaded: NativeAvailability | null = null;

export function loadNativeHnsw(): NativeAvailability {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    const lib = require('hnswlib-node') as NativeHnswLib;
    const version = (require('hnswlib-node/package.json') as { version: string }).version;
    loaded = { ok: true, lib, version };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    loaded = {
      ok: false,
      reason: `hnswlib-node is not installed or did not compile (${message}); it is an optional dependency built by node-gyp — install a C++ toolchain (g++, make, python3) and run npm ci again`,
    };
  }
  return loaded;
}
