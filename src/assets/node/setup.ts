import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { resolveProfile, type ModelsConfig } from '../../models/shared/manifest.js';
import type { DatasetSpec } from './datasets.js';
import {
  describeSource,
  forEachLimited,
  hashFile,
  mismatch,
  openSource,
  writeVerified,
  type Expected,
  type Observed,
  type OpenedSource,
  type Source,
} from './download.js';
import type { Progress } from '../../common/shared/progress.js';
import { formatBytes } from '../../common/shared/units.js';
import { PROJECT_ROOT } from '../../common/node/paths.js';

/** Data sets are thousands of small files: overlap their latency, without opening thousands of sockets at once. */
const DATASET_CONCURRENCY = 16;

/** Model files as their bytes arrive, data-set files as they are checked or fetched, and warnings. */
export type SetupProgress = Pick<Progress, 'file' | 'count' | 'warn'>;

export interface SetupOptions {
  readonly models: ModelsConfig;
  readonly datasets: Readonly<Record<string, DatasetSpec>>;
  readonly profile: string;
  /** Names of the data sets to copy; empty for none. */
  readonly datasetNames: readonly string[];
  readonly assetsDir: string;
  /** A local folder or an http(s) URL laid out like the shared assets folder; null when there is none. */
  readonly mirror: string | null;
  /** Hugging Face endpoint (https://huggingface.co or a server with its URL layout). */
  readonly hubBase: string;
  readonly progress: SetupProgress;
}

export interface SetupReport {
  readonly fetched: number;
  readonly present: number;
  /** Bytes fetched (files already present not counted). */
  readonly bytes: number;
  readonly seconds: number;
}

/** One file to put under the assets folder. */
interface FileJob {
  /** Path inside the assets folder, which is also its path inside a mirror: names the file in messages and lock.json. */
  readonly path: string;
  /** What the config pins; with no sha256, lock.json holds what the first download saw. */
  readonly pinned: Expected;
  /** Tried in order; the first that has the file is used. */
  readonly sources: readonly Source[];
  /** Appended to the not-found message: why there was nowhere else to look. */
  readonly nowhereElse: string;
}

type Mirror = { readonly kind: 'file'; readonly root: string } | { readonly kind: 'url'; readonly base: string };

interface LockEntry extends Observed {
  readonly source: string;
}

/** Config paths become file paths and URLs: refuse any that could step outside the assets folder. */
function assetPath(...parts: string[]): string {
  const path = parts.join('/');
  if (isAbsolute(path) || path.split(/[\\/]/).some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`refusing unsafe asset path "${path}" from the config`);
  }
  return path;
}

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

async function openMirror(mirror: string | null): Promise<Mirror | null> {
  if (mirror === null) return null;
  if (/^https?:\/\//i.test(mirror)) return { kind: 'url', base: mirror.replace(/\/+$/, '') };
  const root = resolve(mirror);
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new Error(`mirror folder not found: ${root}`);
  return { kind: 'file', root };
}

function mirrorSource(mirror: Mirror, path: string): Source {
  return mirror.kind === 'file'
    ? { kind: 'file', path: join(mirror.root, ...path.split('/')) }
    : { kind: 'url', url: `${mirror.base}/${encodePath(path)}` };
}

/** Parses a sha256sum file (`<hash>  <path>`, or `<hash> *<path>` in binary mode). */
export function parseChecksums(text: string, origin: string): { path: string; sha256: string }[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (!match) throw new Error(`${origin}:${index + 1}: not a sha256sum line: ${line}`);
    return [{ path: match[2]!, sha256: match[1]!.toLowerCase() }];
  });
}

function modelJobs(options: SetupOptions, names: readonly string[], mirror: Mirror | null): FileJob[] {
  const hubBase = options.hubBase.replace(/\/+$/, '');
  return names.flatMap((name) => {
    const model = options.models.models[name]!;
    return Object.entries(model.files).map(([file, spec]) => {
      const path = assetPath(model.mirror, file);
      const sources: Source[] = mirror ? [mirrorSource(mirror, path)] : [];
      if (model.hub) {
        const { repo, revision } = model.hub;
        sources.push({ kind: 'url', url: `${hubBase}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}` });
      }
      return {
        path,
        pinned: { ...spec, origin: 'models config' },
        sources,
        nowhereElse: model.hub ? '' : `model ${name} has no hub source`,
      };
    });
  });
}

async function datasetJobs(spec: DatasetSpec, mirror: Mirror | null): Promise<FileJob[]> {
  const checksums = resolve(PROJECT_ROOT, spec.checksums);
  const text = await readFile(checksums, 'utf8').catch((error: Error) => {
    throw new Error(`cannot read checksum file ${checksums}: ${error.message}`);
  });
  return parseChecksums(text, checksums).map(({ path: file, sha256 }) => {
    const path = assetPath(spec.mirror, file);
    return {
      path,
      pinned: { bytes: null, sha256, origin: checksums },
      sources: mirror ? [mirrorSource(mirror, path)] : [],
      nowhereElse: 'data sets come only from a mirror',
    };
  });
}

/** `<assets>/lock.json`: size and hash of files the config does not pin, as seen on their first download. */
class Lock {
  private changed = false;

  private constructor(
    readonly path: string,
    private readonly files: Record<string, LockEntry>,
  ) {}

  static async open(assetsDir: string): Promise<Lock> {
    const path = join(assetsDir, 'lock.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Lock(path, {});
      throw error;
    }
    let files: unknown;
    try {
      files = (JSON.parse(text) as { files?: unknown }).files;
    } catch (error) {
      throw new Error(`${path} is not valid JSON (${(error as Error).message}); fix or delete it`);
    }
    if (typeof files !== 'object' || files === null) throw new Error(`${path} has no "files" object; fix or delete it`);
    return new Lock(path, files as Record<string, LockEntry>);
  }

  expected(file: string): Expected | null {
    const entry = this.files[file];
    return entry ? { bytes: entry.bytes, sha256: entry.sha256, origin: `recorded in ${this.path}` } : null;
  }

  record(file: string, entry: LockEntry): void {
    this.files[file] = entry;
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    const sorted = Object.fromEntries(Object.entries(this.files).sort(([a], [b]) => a.localeCompare(b)));
    const temp = `${this.path}.partial`;
    await writeFile(temp, `${JSON.stringify({ files: sorted }, null, 2)}\n`);
    await rename(temp, this.path);
    this.changed = false;
  }
}

/** Whether `dest` exists and matches `expected`, whose sha256 is known. */
async function verifiesOnDisk(dest: string, expected: Expected): Promise<boolean> {
  const info = await stat(dest).catch(() => null);
  if (!info?.isFile() || (expected.bytes !== null && info.size !== expected.bytes)) return false;
  return (await hashFile(dest)).sha256 === expected.sha256?.toLowerCase();
}

async function openFirst(job: FileJob): Promise<OpenedSource> {
  for (const source of job.sources) {
    const opened = await openSource(source);
    if (opened) return opened;
  }
  const looked = job.sources.length > 0 ? `looked in ${job.sources.map(describeSource).join(' and ')}` : 'no mirror given (--mirror)';
  throw new Error(`${job.path} not found: ${[looked, job.nowhereElse].filter(Boolean).join('; ')}`);
}

interface Context {
  readonly assetsDir: string;
  readonly lock: Lock;
  readonly progress: SetupProgress;
}

/** Makes sure one file is in place and verified; returns the bytes fetched, or null when it was already there. */
async function ensureFile(
  job: FileJob,
  { assetsDir, lock, progress }: Context,
  onBytes: (received: number, total: number | null) => void,
): Promise<number | null> {
  const dest = join(assetsDir, ...job.path.split('/'));
  const known = job.pinned.sha256 !== null ? job.pinned : lock.expected(job.path);
  if (known && (await verifiesOnDisk(dest, known))) return null;
  const expected = known ?? job.pinned;
  const opened = await openFirst(job);
  const total = expected.bytes ?? opened.length;
  const observed = await writeVerified(job.path, opened, dest, expected, (received) => onBytes(received, total));
  onBytes(observed.bytes, observed.bytes);
  if (!known) {
    lock.record(job.path, { ...observed, source: describeSource(opened.source) });
    progress.warn(
      `${job.path} is not pinned in the config: trusting it on first use (${observed.bytes} bytes, sha256 ${observed.sha256}, recorded in ${lock.path})`,
    );
  }
  return observed.bytes;
}

/** Puts the models of a profile and the chosen data sets under the assets folder, verified; see `npm run setup -- --help`. */
export async function runSetup(options: SetupOptions): Promise<SetupReport> {
  const started = performance.now();
  const profile = resolveProfile(options.models, options.profile);
  const unknown = options.datasetNames.filter((name) => !(name in options.datasets));
  if (unknown.length > 0) {
    throw new Error(`unknown data set "${unknown.join('", "')}" (known: ${Object.keys(options.datasets).join(', ')})`);
  }
  const mirror = await openMirror(options.mirror);
  const models = modelJobs(options, profile.models, mirror);
  const datasets = await Promise.all(
    options.datasetNames.map(async (name) => ({ name, jobs: await datasetJobs(options.datasets[name]!, mirror) })),
  );

  const lock = await Lock.open(options.assetsDir);
  const context: Context = { assetsDir: options.assetsDir, lock, progress: options.progress };
  const tally = { fetched: 0, present: 0, bytes: 0 };
  const count = (fetched: number | null): void => {
    if (fetched === null) tally.present++;
    else {
      tally.fetched++;
      tally.bytes += fetched;
    }
  };
  try {
    for (const job of models) {
      count(await ensureFile(job, context, (received, total) => options.progress.file(job.path, received, total)));
    }
    for (const { name, jobs } of datasets) {
      let done = 0;
      await forEachLimited(jobs, DATASET_CONCURRENCY, async (job) => {
        count(await ensureFile(job, context, () => {}));
        options.progress.count(name, ++done, jobs.length);
      });
    }
  } finally {
    // Files already renamed into place keep their lock entries even when a later file fails.
    await lock.save();
  }
  return { ...tally, seconds: (performance.now() - started) / 1000 };
}

export function formatSummary(report: SetupReport): string {
  return (
    `${report.fetched.toLocaleString('en')} files fetched (${formatBytes(report.bytes)}), ` +
    `${report.present.toLocaleString('en')} already present, ${report.seconds.toFixed(1)} s`
  );
}
