/**
 * Two versions of the search step side by side in one process, for changes too small to see across runs on a
 * shared machine (whose speed moves by half between runs): this tree's `src` and another (`--base`, for example
 * `git worktree add /tmp/base HEAD~1`), each with its own modules, kernel and cells, on the same compact catalog.
 * Per query, each version runs it once untimed (its cells warm) and once timed on a second source to which the
 * query is new, as the bench page does; the two versions alternate query by query, so that a slow phase of the
 * machine falls on both. Prints each version's p50 / p99, the ratio of their times per round, and how many queries
 * gave the same first 10 results.
 *
 *   npx tsx scripts/compare-search.ts --base /tmp/base/src [--size 44417] [--dir artifacts/scale/compact-<size>] [--rounds 16]
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ASSETS_DIR, PROJECT_ROOT } from '../src/common/node/paths.js';
import { ScaleCatalog } from '../src/index/node/scale-catalog.js';
import type * as CompactNode from '../src/search/node/compact.js';
import type * as CompactShared from '../src/search/shared/compact-source.js';
import type * as Policy from '../src/search/shared/policy.js';
import type { CatalogSource } from '../src/search/shared/source.js';
import { percentile } from '../src/vectors/shared/random.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    size: { type: 'string', default: '44417' },
    dir: { type: 'string' },
    queries: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '16' },
  },
});
if (!values.base) throw new Error('--base <another tree\'s src folder> is required');
const size = Number(values.size);
const dir = resolve(values.dir ?? join(PROJECT_ROOT, `artifacts/scale/compact-${size}`));
const catalog = await ScaleCatalog.open(
  join(PROJECT_ROOT, 'artifacts/demo'),
  join(ASSETS_DIR, 'catalog/fashion-product-images-224/images'),
  join(PROJECT_ROOT, '.cache/scale-embeddings'),
);
const realRows = catalog.realRowsReady();
const queries = catalog.queriesPast(size, realRows, Number(values.queries));

async function version(src: string) {
  const { openCompactDir } = (await import(join(src, 'search/node/compact.ts'))) as typeof CompactNode;
  const { compactSource, decodeCompactIndex } = (await import(join(src, 'search/shared/compact-source.ts'))) as typeof CompactShared;
  const { searchCatalog } = (await import(join(src, 'search/shared/policy.ts'))) as typeof Policy;
  const opened = await openCompactDir(dir, 2 ** 40);
  const { manifest } = opened;
  const index = decodeCompactIndex(manifest, await readFile(join(dir, manifest.router)), await readFile(join(dir, manifest.prompts.vectors.file)));
  const firstTen: string[] = [];
  for (const q of queries) firstTen.push((await searchCatalog(opened.source, q, { topK: 10 })).results.map((r) => r.id).join());
  const timed: CatalogSource = compactSource(index, opened.store);
  const times: number[] = [];
  const run = async (q: (typeof queries)[number]) => {
    await searchCatalog(opened.source, q, { topK: 10 });
    const started = performance.now();
    await searchCatalog(timed, q, { topK: 10 });
    const ms = performance.now() - started;
    times.push(ms);
    return ms;
  };
  return { src, firstTen, times, run };
}

const versions = [await version(resolve(values.base)), await version(join(PROJECT_ROOT, 'src'))];
const same = versions[0]!.firstTen.filter((ids, i) => ids === versions[1]!.firstTen[i]).length;
const load = loadavg()[0]!;
const ratios: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const sums = [0, 0];
  for (let i = 0; i < queries.length; i++) {
    for (const v of (i + round) % 2 ? [1, 0] : [0, 1]) sums[v]! += await versions[v]!.run(queries[i]!);
  }
  ratios.push(sums[1]! / sums[0]!);
}
console.log(`${size.toLocaleString('en')} products, ${queries.length} queries × ${values.rounds} rounds; load average ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
for (const { src, times } of versions) console.log(`${src.padEnd(40)} p50 ${percentile(times, 50).toFixed(3)}  p99 ${percentile(times, 99).toFixed(3)} ms`);
console.log(`this tree / base, time per round: median ${percentile(ratios, 50).toFixed(3)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
console.log(`the same first 10 results for ${same} of ${queries.length} queries`);
catalog.close();
