/**
 * Where a compact catalog's search step goes: whole photo searches through the shared policy with every cell in
 * memory, split into the source's lookups (the photo's nearest products, each scope's candidates) and the policy
 * around them, in wall time and in this process's CPU time (steadier on a shared machine). Queries are picked as
 * `npm run bench -- --only scale` picks them. Run with `node --cpu-prof --import tsx` for the functions' shares.
 *
 *   npx tsx scripts/profile-search.ts [--size 44417] [--dir artifacts/scale/compact-<size>] [--queries 200] [--rounds 3]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ASSETS_DIR, PROJECT_ROOT } from '../src/common/node/paths.js';
import { ScaleCatalog } from '../src/index/node/scale-catalog.js';
import { openCompactDir } from '../src/search/node/compact.js';
import { searchCatalog } from '../src/search/shared/policy.js';
import type { CatalogSource } from '../src/search/shared/source.js';
import { dotKernel } from '../src/vectors/shared/dots.js';
import { percentile } from '../src/vectors/shared/random.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '44417' },
    dir: { type: 'string' },
    queries: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
  },
});
const size = Number(values.size);
const catalog = await ScaleCatalog.open(
  join(PROJECT_ROOT, 'artifacts/demo'),
  join(ASSETS_DIR, 'catalog/fashion-product-images-224/images'),
  join(PROJECT_ROOT, '.cache/scale-embeddings'),
);
const realRows = catalog.realRowsReady();
const opened = await openCompactDir(values.dir ?? join(PROJECT_ROOT, `artifacts/scale/compact-${size}`), 2 ** 40);
const queries = catalog.queriesPast(size, realRows, Number(values.queries));

const lookups = { neighbours: [] as number[], candidates: [] as number[] };
const timed = <A extends unknown[], R>(into: number[], call: (...args: A) => Promise<R>) => async (...args: A) => {
  const started = performance.now();
  const result = await call(...args);
  into.push(performance.now() - started);
  return result;
};
const source: CatalogSource = {
  info: opened.source.info,
  neighbours: timed(lookups.neighbours, (semantic: Float32Array, products: number) => opened.source.neighbours(semantic, products)),
  candidates: timed(lookups.candidates, (query: Parameters<CatalogSource['candidates']>[0]) => opened.source.candidates(query)),
};

// One pass loads every cell the queries touch; the timed rounds then run with all of them in memory.
for (const q of queries) await searchCatalog(source, q, { topK: 10 });
lookups.neighbours.length = lookups.candidates.length = 0;
const searches: number[] = [];
const load = loadavg()[0]!;
const cpu = process.cpuUsage();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const q of queries) {
    const started = performance.now();
    await searchCatalog(source, q, { topK: 10 });
    searches.push(performance.now() - started);
  }
}
const { user, system } = process.cpuUsage(cpu);
catalog.close();

const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const line = (name: string, xs: number[]) =>
  `${name.padEnd(26)} p50 ${percentile(xs, 50).toFixed(3)}  p99 ${percentile(xs, 99).toFixed(3)}  mean ${(total(xs) / xs.length).toFixed(3)} ms  (${xs.length})`;
const stats = opened.store.stats();
console.log(`${size.toLocaleString('en')} products, ${queries.length} queries × ${values.rounds} rounds; load average ${load.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
console.log(line('photo search step', searches));
console.log(line('  nearest products', lookups.neighbours));
console.log(line('  candidates (each call)', lookups.candidates));
console.log(`${'  policy around them'.padEnd(26)} mean ${((total(searches) - total(lookups.neighbours) - total(lookups.candidates)) / searches.length).toFixed(3)} ms`);
console.log(`${'CPU per search'.padEnd(26)} ${((user + system) / 1000 / searches.length).toFixed(3)} ms`);
console.log(`cells held ${(stats.heldBytes / 2 ** 20).toFixed(1)} MB (${stats.cells} cells); WASM memory ${(dotKernel().memoryBytes() / 2 ** 20).toFixed(1)} MB`);
