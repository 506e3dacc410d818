import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../common/node/paths.js';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memory_gb: number;
  readonly os: string;
  readonly node: string;
  /** Filled in once a browser has been launched. */
  chromium: string | null;
  readonly packages: Record<string, string | null>;
  /** 1-minute load average when the run started and ended: how busy the shared machine was. */
  readonly load_average: { start: number; end: number | null };
}

const PACKAGES = ['onnxruntime-node', 'onnxruntime-web', 'hnswlib-wasm', 'hnswlib-node', '@playwright/test', 'vite'];

function version(name: string): string | null {
  try {
    // Read directly: some packages do not export their package.json.
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    chromium: null,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, version(p)])),
    load_average: { start: loadavg()[0]!, end: null },
  };
}

/** The 1-minute load average around one measured part. */
export interface LoadWindow {
  readonly start: number;
  readonly end: number;
  /** Other work shared the machine: the figures of this attempt are not to be trusted. */
  readonly busy: boolean;
}

export const loadNow = (): number => loadavg()[0]!;

/**
 * Load average per core above which a part counts as measured on a busy machine: more than half a core's worth of
 * other work before it started, or after it more than the part's own load (it keeps about one thread per core
 * running) and a quarter of a core besides.
 */
export const BUSY_PER_CORE = { before: 0.5, after: 1.25 } as const;

export function wasBusy(start: number, end: number, cores: number): boolean {
  return start > BUSY_PER_CORE.before * cores || end > BUSY_PER_CORE.after * cores;
}

/**
 * Waits, up to `maxSeconds`, for the 1-minute load average to fall to the "not busy" level before a part starts.
 * The average decays over about a minute, so right after a part (or the index build before it) it still counts the
 * bench's own work: without this wait every rerun would start "busy" even on an idle machine. Returns the load then.
 */
export async function settledLoad(cores: number, maxSeconds: number, onWait: (load: number) => void): Promise<number> {
  const deadline = performance.now() + maxSeconds * 1000;
  let load = loadNow();
  if (load <= BUSY_PER_CORE.before * cores || maxSeconds <= 0) return load;
  onWait(load);
  while (load > BUSY_PER_CORE.before * cores && performance.now() < deadline) {
    await new Promise((wake) => setTimeout(wake, 5000));
    load = loadNow();
  }
  return load;
}
