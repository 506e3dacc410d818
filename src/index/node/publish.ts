import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_FILE } from '../../artifacts/shared/format.js';

/**
 * How a build reaches readers: it writes a staging folder beside the output, then swaps it in whole (readers see the
 * old set or the new one, never a mix), or, when its gates fail, sets it aside and leaves the old set in place.
 */
export function stagingDir(outDir: string): string {
  return join(dirname(outDir), `.${basename(outDir)}.staging-${process.pid}`);
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Tidies what a build killed part-way leaves beside `outDir`: its staging folder (never swapped in, so harmless,
 * but large) and, if it died between the two renames of the swap, puts the previous artifacts back where readers
 * expect them. Folders of builds still running (another process) are left alone.
 */
export async function recoverInterruptedBuild(outDir: string, log: (message: string) => void): Promise<void> {
  const parent = dirname(outDir);
  const base = basename(outDir);
  if (!existsSync(parent)) return;
  const leftovers = (await readdir(parent))
    .map((name) => ({ name, match: name.startsWith(`.${base}.staging-`) || name.startsWith(`${base}.previous-`) ? /-(\d+)$/.exec(name) : null }))
    .filter((e) => e.match && !isRunning(Number(e.match[1])));
  for (const { name } of leftovers) {
    const path = join(parent, name);
    if (name.startsWith(`${base}.previous-`) && !existsSync(outDir) && existsSync(join(path, MANIFEST_FILE))) {
      await rename(path, outDir);
      log(`restored the previous artifacts in ${outDir} (a build was interrupted while swapping them)`);
    } else {
      await rm(path, { recursive: true, force: true });
      log(`removed ${name}, left by an interrupted build`);
    }
  }
}

/** Swaps the staged artifacts in place of `outDir`. */
export async function publish(staging: string, outDir: string): Promise<void> {
  const previous = `${outDir}.previous-${process.pid}`;
  if (existsSync(outDir)) await rename(outDir, previous);
  await rename(staging, outDir);
  await rm(previous, { recursive: true, force: true });
}

/** Keeps a build whose gates failed in `<outDir>.rejected` for inspection; returns that folder. */
export async function reject(staging: string, outDir: string): Promise<string> {
  const rejected = `${outDir}.rejected`;
  await rm(rejected, { recursive: true, force: true });
  await rename(staging, rejected);
  return rejected;
}
