/**
 * The bench page's script (src/bench/index.html): starts benchmark workers on demand and exposes them as
 * window.__bench, which the Node side drives through Playwright. Not part of the app.
 */
import { wrap, type Remote } from 'comlink';
import type { BenchPageHandle, BenchWorkerApi } from '../shared/protocol.js';

declare global {
  interface Window {
    __bench: BenchPageHandle;
  }
}

const workers = new Map<string, { worker: Worker; api: Remote<BenchWorkerApi> }>();

function get(id: string): Remote<BenchWorkerApi> {
  const slot = workers.get(id);
  if (!slot) throw new Error(`no bench worker "${id}"`);
  return slot.api;
}

window.__bench = {
  crossOriginIsolated,
  async spawn(id) {
    if (workers.has(id)) throw new Error(`bench worker "${id}" exists`);
    const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module', name: `bench-${id}` });
    workers.set(id, { worker, api: wrap<BenchWorkerApi>(worker) });
  },
  call(id, method, ...args) {
    const fn = get(id)[method] as unknown as (...a: unknown[]) => unknown;
    return fn(...args) as never;
  },
  terminate(id) {
    workers.get(id)?.worker.terminate();
    workers.delete(id);
  },
};
