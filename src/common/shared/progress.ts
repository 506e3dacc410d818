/**
 * How long-running work (setup, build:index, eval, bench) reports progress. The library code reports into this
 * interface; the command line renders it (src/cli/progress.ts).
 */
export interface Progress {
  /** A file arriving: bytes so far (`total` null while unknown). */
  file(path: string, received: number, total: number | null): void;
  /** Items of a batch done so far; shows the rate and the time left. */
  count(label: string, done: number, total: number, unit?: string): void;
  warn(message: string): void;
  /** A message of its own, on a line that the next update does not overwrite. */
  line(message: string): void;
}

/** Reports nothing: for work run inside tests and benchmarks. */
export const SILENT_PROGRESS: Progress = { file: () => undefined, count: () => undefined, warn: () => undefined, line: () => undefined };
