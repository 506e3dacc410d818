/**
 * The page runs hnswlib-wasm rewritten not to build functions from strings (vite/hnswlib-csp.ts), so that its
 * Content-Security-Policy can refuse eval. Node can refuse eval the same way (--disallow-code-generation-from-
 * strings): there the original library fails to start and the rewritten one builds, saves, reloads and searches
 * graphs — filter callbacks included — with exactly the results of the original.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { HNSWLIB_MODULE, patchHnswlib } from '../vite/hnswlib-csp.js';

const DIST = join(PROJECT_ROOT, 'node_modules/hnswlib-wasm/dist');
let work: string;

/** Builds a graph, searches it (with and without a filter), writes and reads it back; prints the results. */
const SCRIPT = (library: string) => `
globalThis.window = globalThis;
await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'node_modules/fake-indexeddb/auto/index.mjs')).href)});
const { loadHnswlib, syncFileSystem } = await import(${JSON.stringify(library)});
const lib = await loadHnswlib();
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
const dim = 16, count = 300;
const points = Array.from({ length: count }, () => Float32Array.from({ length: dim }, random));
const graph = new lib.HierarchicalNSW('l2', dim, '');
graph.initIndex(count, 16, 100, 100);
graph.addPoints(points, points.map((_, i) => i), false);
graph.setEfSearch(50);
const out = { plain: [], filtered: [] };
for (let q = 0; q < 20; q++) {
  out.plain.push(Array.from(graph.searchKnn(points[q * 7], 5, undefined).neighbors));
  out.filtered.push(Array.from(graph.searchKnn(points[q * 7], 5, (label) => label % 3 === 0).neighbors));
}
await graph.writeIndex('csp.hnsw');
await syncFileSystem('write');
const again = new lib.HierarchicalNSW('l2', dim, '');
await again.readIndex('csp.hnsw', count);
again.setEfSearch(50);
out.reloaded = Array.from(again.searchKnn(points[3], 5, undefined).neighbors);
out.count = again.getCurrentCount();
console.log(JSON.stringify(out));
process.exit(0);
`;

function run(dir: string, noEval: boolean) {
  const script = join(dir, 'run.mjs');
  writeFileSync(script, SCRIPT(pathToFileURL(join(dir, 'hnswlib.js')).href));
  const args = [...(noEval ? ['--disallow-code-generation-from-strings'] : []), script];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  return { code: result.status, output: last.startsWith('{') ? JSON.parse(last) : null, stderr: result.stderr + result.stdout };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vitrine-hnswlib-csp-'));
  for (const variant of ['original', 'patched']) {
    mkdirSync(join(work, variant));
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
      const from = join(DIST, file);
      if (variant === 'patched' && HNSWLIB_MODULE.test(from)) writeFileSync(join(work, variant, file), patchHnswlib(readFileSync(from, 'utf8'), from));
      else copyFileSync(from, join(work, variant, file));
    }
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('hnswlib-wasm without eval (what the page runs under its Content-Security-Policy)', () => {
  it('the original library cannot start where eval is refused; the rewritten one can, and gives identical results', () => {
    const reference = run(join(work, 'original'), false);
    expect(reference.code, reference.stderr).toBe(0);
    expect(reference.output.count).toBe(300);

    const refused = run(join(work, 'original'), true);
    expect(refused.output).toBeNull();
    expect(refused.stderr).toMatch(/Code generation from strings disallowed/);

    const patched = run(join(work, 'patched'), true);
    expect(patched.code, patched.stderr).toBe(0);
    expect(patched.output).toEqual(reference.output);
    expect(patched.output.filtered.flat().every((label: number) => label % 3 === 0)).toBe(true);
  });

  it('refuses to patch a library whose shape changed, instead of shipping a page the policy breaks', () => {
    expect(() => patchHnswlib('export default 1;')).toThrow(/hnswlib-wasm changed/);
  });
});
