import { openCompactDir } from '../../search/node/compact.js';
import { searchCatalog } from '../../search/shared/policy.js';
import { TopK } from '../../ann/shared/ivf.js';
import { sampleIndices } from '../../vectors/shared/random.js';
import { dot } from '../../vectors/shared/vector.js';
import { RECALL_AT_10_MIN, SELF_SIMILARITY_MIN, type Gate } from './gates.js';

/** Products searched by their own vectors, and whole-catalog lookups held against an exact scan. */
const SELF_QUERIES = 200;
const RECALL_QUERIES = 100;
/**
 * The routing is approximate: where a category's lists are about equally near every product (derived rows: a few
 * products' vectors moved by isotropic noise), a product's own list can rank past the lists a search scans. Real
 * catalogs find every sampled product (the 44,417 one: 200/200); a broken build finds almost none.
 */
export const SELF_QUERY_RATE_MIN = 0.95;

export interface CompactGateRow {
  readonly id: string;
  readonly category: string;
  readonly semantic: Float32Array;
  readonly visual: Float32Array;
}

export interface CompactQuality {
  readonly gates: Gate[];
  readonly selfQuery: { readonly sampled: number; readonly rank1: number; readonly failures: string[] };
  readonly recallAt10: number;
}

/**
 * The build's quality gates on a compact catalog as written (its cells read back from `dir`): sampled products,
 * searched by their own vectors in their category through the real policy, come back first with similarity ≥ 0.99
 * (a product with the same vectors may tie with it), at least SELF_QUERY_RATE_MIN of them; and the whole-catalog lookup of sampled products' vectors finds
 * what an exact float32 scan of every row finds (recall@10 ≥ 0.9, as for the single-file layout's graphs). The exact
 * scan reads each row once, so memory stays bounded at any size.
 */
export async function runCompactGates(dir: string, size: number, rowAt: (i: number) => CompactGateRow, seed: number): Promise<CompactQuality> {
  const { source } = await openCompactDir(dir);
  const failures: string[] = [];
  let rank1 = 0;
  const selfSample = sampleIndices(size, SELF_QUERIES, seed);
  for (const i of selfSample) {
    const row = rowAt(i);
    const { results } = await searchCatalog(source, { semantic: row.semantic, visual: row.visual }, { category: row.category, topK: 5 });
    const top = results[0];
    const own = results.find((r) => r.id === row.id);
    if (top && own && own.similarity_score >= SELF_SIMILARITY_MIN && own.similarity_score >= top.similarity_score - 1e-6) rank1++;
    else failures.push(`${row.id}: first result ${top ? `${top.id} (similarity ${top.similarity_score.toFixed(4)})` : 'none'}`);
  }

  const recallSample = sampleIndices(size, RECALL_QUERIES, seed + 1);
  const probes = recallSample.map((i) => rowAt(i));
  const exact = probes.map(() => new TopK(10));
  for (let j = 0; j < size; j++) {
    const { semantic } = rowAt(j);
    probes.forEach((p, q) => exact[q]!.offer(dot(p.semantic, semantic), j, 0));
  }
  let found = 0;
  let wanted = 0;
  for (const [q, probe] of probes.entries()) {
    const truth = new Set(exact[q]!.items().map((item) => item.a));
    const hits = await source.candidates({ scope: null, probe: probe.semantic, limit: 10, second: { space: 'visual', vector: probe.visual } });
    found += hits.filter((h) => truth.has(h.entry)).length;
    wanted += truth.size;
  }
  const recallAt10 = wanted ? found / wanted : 1;

  const gates: Gate[] = [
    {
      name: 'self_query_rank1',
      passed: rank1 >= SELF_QUERY_RATE_MIN * selfSample.length,
      detail: `${rank1}/${selfSample.length} sampled products, searched by their own vectors through the written cells, came back first with similarity ≥ ${SELF_SIMILARITY_MIN} (minimum ${SELF_QUERY_RATE_MIN * 100} %)${
        failures.length ? `; failures: ${failures.slice(0, 5).join('; ')}` : ''
      }`,
    },
    {
      name: 'ann_recall_at_10',
      passed: recallAt10 >= RECALL_AT_10_MIN,
      detail: `whole-catalog lookup recall@10 vs an exact float32 scan of all ${size.toLocaleString('en')} rows: ${recallAt10.toFixed(3)} over ${probes.length} sampled products (minimum ${RECALL_AT_10_MIN})`,
    },
  ];
  return { gates, selfQuery: { sampled: selfSample.length, rank1, failures }, recallAt10 };
}
