/**
 * The indexer pointed at what shop owners really have: a folder with broken, disguised and unusual files, and a
 * build that is killed half-way (power cut, Ctrl-C, OOM killer) and run again.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { recoverInterruptedBuild } from '../src/index/node/publish.js';
import { BAD_INPUTS, badInputPath, ensureBadInputs } from './helpers/bad-images.js';
import { runCli, STACK_LINE } from './helpers/cli.js';
import { DEMO_IMAGES_DIR, DEMO_LABELS, TEST_ARTIFACTS_DIR, testCatalogIds } from '../src/index/node/sample-index.js';

let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vitrine-indexer-robust-'));
  await ensureBadInputs();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const artifactsOf = (dir: string) => ({
  stats: JSON.parse(readFileSync(join(dir, 'index_stats.json'), 'utf8')) as { counts: Record<string, number>; skipped: { path: string; reason: string }[]; passed: boolean },
  products: JSON.parse(readFileSync(join(dir, 'products.json'), 'utf8')) as { id: string; image: string }[],
});

describe('a catalog folder full of bad and unusual files', () => {
  it('indexes what can be read (AVIF, GIF, CMYK, 16-bit, EXIF-rotated, 40 MB) and reports every other file with its reason', () => {
    const catalog = join(root, 'messy');
    mkdirSync(catalog);
    for (const { file } of BAD_INPUTS) copyFileSync(badInputPath(file), join(catalog, file));
    for (const id of testCatalogIds().slice(0, 6)) symlinkSync(join(DEMO_IMAGES_DIR, `${id}.jpg`), join(catalog, `${id}.jpg`));
    const out = join(root, 'messy-artifacts');
    const started = performance.now();
    const run = runCli('build-index', ['--catalog', catalog, '--out', out, '--cache', join(root, 'cache'), '--gate-sample', '4', '--exact-below', '100']);
    const seconds = (performance.now() - started) / 1000;
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code, run.stderr).toBe(0);
    const { stats, products } = artifactsOf(out);
    const skipped = new Map(stats.skipped.map((s) => [s.path, s.reason]));
    for (const input of BAD_INPUTS) {
      if (input.expect.outcome === 'error') expect(skipped.get(input.file), input.file).toMatch(input.expect.reason);
      else expect(products.some((p) => p.image === input.file), input.file).toBe(true);
    }
    expect(stats.counts.images_found).toBe(BAD_INPUTS.length + 6);
    console.info(`messy catalog: ${products.length} indexed, ${skipped.size} skipped, ${seconds.toFixed(1)} s`);
  });
});

describe('an interrupted build', () => {
  const catalog = () => join(root, 'shop');
  const out = () => join(root, 'artifacts');
  const cache = () => join(root, 'resume-cache');
  const args = () => ['--catalog', catalog(), '--labels', DEMO_LABELS, '--out', out(), '--cache', cache(), '--gate-sample', '4', '--workers', '1'];

  beforeAll(() => {
    mkdirSync(catalog());
    // The shop's current index: its first 8 products.
    for (const id of testCatalogIds().slice(0, 8)) symlinkSync(join(DEMO_IMAGES_DIR, `${id}.jpg`), join(catalog(), `${id}.jpg`));
    const first = runCli('build-index', args());
    expect(first.code, first.stderr).toBe(0);
  });

  it('killed while embedding: the previous artifacts stay valid, and the rerun resumes from the embedding cache', async () => {
    const before = readFileSync(join(out(), 'manifest.json'), 'utf8');
    // 40 more products arrive; the build is killed (SIGKILL: no cleanup) once it has embedded a few of them.
    for (const id of testCatalogIds().slice(8, 48)) symlinkSync(join(DEMO_IMAGES_DIR, `${id}.jpg`), join(catalog(), `${id}.jpg`));
    const [cacheFile] = readdirSync(cache()).map((f) => join(cache(), f));
    const recordsAtStart = statSync(cacheFile!).size;
    const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, 'src/cli/build-index.ts'), ...args()], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 120_000;
    while (statSync(cacheFile!).size < recordsAtStart * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const grown = statSync(cacheFile!).size;
    expect(grown).toBeGreaterThan(recordsAtStart);

    // Meanwhile readers still get the previous, complete artifact set.
    expect(readFileSync(join(out(), 'manifest.json'), 'utf8')).toBe(before);
    expect((await openCatalogDir(out())).products).toHaveLength(8);

    const rerun = runCli('build-index', args());
    expect(rerun.code, rerun.stderr).toBe(0);
    const { stats } = artifactsOf(out());
    expect(stats.counts.products).toBe(48);
    // Everything embedded before the kill (the 8, and the new ones that made it to the cache) came from the cache.
    expect(stats.counts.embedded_from_cache).toBeGreaterThan(8);
    expect(readdirSync(root).filter((f) => f.includes('staging') || f.includes('previous'))).toEqual([]);
  });

  it('killed between the two renames of the swap: the next build puts the previous artifacts back first', async () => {
    const dir = join(root, 'swap');
    mkdirSync(dir);
    const target = join(dir, 'artifacts');
    // The state a kill leaves after "artifacts → artifacts.previous-<pid>" and before "staging → artifacts".
    const deadPid = 999_999;
    cpSync(TEST_ARTIFACTS_DIR, join(dir, `artifacts.previous-${deadPid}`), { recursive: true });
    mkdirSync(join(dir, `.artifacts.staging-${deadPid}`, 'vectors'), { recursive: true });
    const said: string[] = [];
    await recoverInterruptedBuild(target, (line) => said.push(line));
    expect(existsSync(join(target, 'manifest.json'))).toBe(true);
    expect((await openCatalogDir(target)).products.length).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual(['artifacts']);
    expect(said.join('\n')).toMatch(/restored the previous artifacts/);
    // A folder of a build that is still running (this process) is not touched.
    mkdirSync(join(dir, `.artifacts.staging-${process.pid}`));
    await recoverInterruptedBuild(target, () => undefined);
    expect(readdirSync(dir).sort()).toEqual([`.artifacts.staging-${process.pid}`, 'artifacts']);
  });
});
