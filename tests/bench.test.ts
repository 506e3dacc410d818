import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { bestIds, exactTopK } from '../src/bench/shared/exact.js';
import { recallAt, rotate, summarize } from '../src/bench/shared/stats.js';
import { syntheticVectors } from '../src/bench/shared/synthetic.js';
import type { BenchResult } from '../src/bench/node/run.js';
import { wasBusy } from '../src/bench/node/machine.js';
import type { Summary } from '../src/bench/shared/stats.js';

const work = mkdtempSync(join(tmpdir(), 'vitrine-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bench helpers', () => {
  it('rotates contenders so each one takes every position', () => {
    const orders = [0, 1, 2].map((rep) => rotate(['a', 'b', 'c'], rep).join(''));
    expect(orders).toEqual(['abc', 'bca', 'cab']);
  });

  it('summarises samples and scores recall against the truth', () => {
    const s = summarize([5, 1, 3, 2, 4]);
    expect([s.n, s.p50, s.min, s.max, s.mean]).toEqual([5, 3, 1, 5, 3]);
    expect(recallAt([1, 2, 3, 9], [3, 2, 1, 4], 4)).toBe(0.75);
    expect(bestIds([7, 8, 9], [0.1, 0.9, 0.5], 2)).toEqual([8, 9]);
  });

  it('finds the exact top-k and makes synthetic unit vectors near their source', () => {
    const dim = 8;
    const base = syntheticVectors(new Float32Array(dim).fill(1), dim, 50, 0.5, 1);
    const vectors = syntheticVectors(base, dim, 400, 0.9, 2);
    for (let r = 0; r < 400; r++) {
      const row = vectors.subarray(r * dim, (r + 1) * dim);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    const query = vectors.subarray(17 * dim, 18 * dim);
    const scores = Array.from({ length: 400 }, (_, r) => vectors.subarray(r * dim, (r + 1) * dim).reduce((s, x, j) => s + x * query[j]!, 0));
    const order = scores.map((s, r) => [s, r] as const).sort((a, b) => b[0] - a[0]).map(([, r]) => r);
    expect(exactTopK(vectors, dim, query, 5).ids).toEqual(order.slice(0, 5));
    expect(exactTopK(vectors, dim, query, 5).ids[0]).toBe(17);
  });
});

const positive = (s: Summary) => {
  expect(s.n).toBeGreaterThan(0);
  expect(Number.isFinite(s.p50) && s.p50 > 0).toBe(true);
  expect(s.p95).toBeGreaterThanOrEqual(s.p50);
};

describe('npm run bench -- --quick (smoke)', () => {
  it('measures every part side by side, writes the JSON and prints the key figures last', async () => {
    const out = join(work, 'bench.json');
    const { stdout } = await promisify(execFile)(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, 'src/cli/bench.ts'), '--quick', '--out', out], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 400_000,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;

    expect(r.mode).toBe('quick');
    expect(r.parts).toEqual(['embed', 'ann', 'build', 'page', 'size', 'server', 'scale']);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.cpu.length).toBeGreaterThan(0);
    expect(r.machine.node).toMatch(/^v\d+/);
    expect(r.machine.chromium).toMatch(/^\d+\./);

    // Embedding: a 1 MP photo and a 12 MP phone shot (stored sideways), the browser against both native pipelines
    // (the app's and sharp's) at 1 and 2 threads, on the same models.
    const e = r.embedding!;
    expect(e.photos.map((p) => [p.name, p.width, p.height])).toEqual([['1 MP', 900, 1200], ['12 MP', 3024, 4032]]);
    expect(e.photos[1]!.bytes).toBeGreaterThan(2_000_000);
    const expected = ['1 MP', '12 MP'].flatMap((photo) => [1, 2].flatMap((t) => [`${photo}/browser/app/wasm/${t}`, `${photo}/node/app/cpu/${t}`, `${photo}/node/sharp/cpu/${t}`]));
    expect(e.contenders.map((c) => `${c.photo}/${c.runtime}/${c.pipeline}/${c.backend}/${c.threads}`).sort()).toEqual(expected.sort());
    for (const c of e.contenders) {
      for (const s of [c.decode_ms, c.semantic_ms, c.visual_ms, c.towers_ms, c.photo_ms, c.preprocess_ms]) positive(s);
      expect(c.towers_ms.n).toBe(e.reps);
    }
    expect(e.ratios.map((x) => x.threads)).toEqual([1, 2]);
    for (const x of e.ratios) {
      expect(Number.isFinite(x.towers) && x.towers > 0).toBe(true);
      expect(Object.keys(x.photo).sort()).toEqual(['1 MP', '12 MP']);
      for (const v of Object.values(x.photo)) expect(Number.isFinite(v) && v > 0).toBe(true);
      for (const best of Object.values(x.best_native)) expect(['app', 'sharp']).toContain(best);
    }

    // The load average around each timed part, judged busy or not by the published rule.
    for (const part of ['embed', 'page'] as const) {
      const attempts = r.load[part]!;
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      for (const a of attempts) {
        expect(a.start).toBeGreaterThanOrEqual(0);
        expect(a.busy).toBe(wasBusy(a.start, a.end, r.machine.cores));
      }
      if (attempts.at(-1)!.busy) expect(stdout).toContain('WARNING: the machine stayed busy');
    }

    // ANN: every contender's recall is a fraction, the exact scan is exact, latencies are positive.
    const ann = r.ann!;
    expect(ann.sets.map((s) => s.name)).toEqual(['catalog', '2000']);
    for (const set of ann.sets) {
      const engines = new Set(set.contenders.map((c) => c.engine));
      expect(engines.has('hnswlib-wasm') && engines.has('exact')).toBe(true);
      expect(engines.has('hnswlib-node') || set.skipped.some((s) => s.what.includes('hnswlib-node'))).toBe(true);
      for (const c of set.contenders) {
        expect(c.recall_at_10).toBeGreaterThanOrEqual(0);
        expect(c.recall_at_10).toBeLessThanOrEqual(1);
        positive(c.latency_ms);
      }
      expect(set.contenders.find((c) => c.engine === 'exact')!.recall_at_10).toBe(1);
      expect(set.graphs.wasm!.bytes).toBeGreaterThan(0);
    }

    // Build throughput, page timings, sizes.
    positive(r.build!.profiles[0]!.products_per_s);
    const page = r.page!.indexes[0]!;
    for (const s of [page.cold_ready_ms, page.warm_ready_ms, page.drop_to_results_ms['1 MP']!, page.drop_to_results_ms['12 MP']!]) positive(s);
    expect(page.cold_bytes.models).toBeGreaterThan(0);
    expect(page.cold_bytes.artifacts).toBeGreaterThan(0);
    const size = r.sizes!.indexes[0]!;
    expect(size.bytes_per_product).toBeGreaterThan(0);
    expect(size.page_bytes).toBeLessThan(size.total_bytes);
    expect(r.sizes!.downloads.find((d) => d.profile === 'mini')!.total_bytes).toBeGreaterThan(0);

    // The search server: searches answered under load, recall against exact scans, and the fault run.
    const server = r.server!.catalogs[0]!;
    expect(server.products).toBe(r.artifacts.products);
    for (const run of server.runs) {
      expect(run.requests).toBeGreaterThan(0);
      expect(run.errors).toBe(0);
      positive(run.latency_ms);
      expect(run.latency_ms.p99).toBeGreaterThanOrEqual(run.latency_ms.p50);
    }
    expect(server.recall_at_10).toBeGreaterThan(0.5);
    expect(server.recall_at_10).toBeLessThanOrEqual(1);
    const fault = r.server!.fault!;
    expect(fault.answers['503']).toBeGreaterThan(0);
    expect(fault.answers['200']).toBeGreaterThan(0);
    expect(fault.other_failures).toBe(0);
    expect(fault.recovery_ms).not.toBeNull();
    expect(fault.intact).toBe(true);
    expect(stdout).toMatch(/Search server — PostgreSQL \+ pgvector/);

    // Scale: each size in both layouts, the compact one measured against exact float32 and far smaller.
    expect(r.scale!.map((l) => `${l.products} ${l.format}`)).toEqual(['400 single-file', '400 compact']);
    const [single, compact] = r.scale!;
    expect(compact!.downloaded_bytes_per_product).toBeLessThan(single!.downloaded_bytes_per_product / 2);
    expect(compact!.recall_at_10).toBeGreaterThanOrEqual(0.9);
    expect(compact!.recall_at_10).toBeLessThanOrEqual(1);
    expect(compact!.p99_ms_uncached).toBeGreaterThan(0);
    // Measured in the page's worker, beside Node, with the same answers.
    expect(compact!.measured_in).toBe('page');
    expect(compact!.node!.p50_ms).toBeGreaterThan(0);
    expect(compact!.page_matches_node).toBe(1);
    expect(compact!.first_result_bytes).toBeGreaterThan(0);
    expect(compact!.first_result_ms).toBeGreaterThan(compact!.p50_ms!);
    expect(compact!.worker_memory_mb).toBeGreaterThan(0);
    expect(stdout).toMatch(/Scale — compact layout against today's/);

    // The three key figures, named, and printed last.
    const k = r.key_figures;
    expect(k.drop_to_results_p50_ms!.value).toBe(page.drop_to_results_ms['12 MP']!.p50);
    expect(k.recall_at_10_at_p50_latency!.recall_at_10).toBeGreaterThanOrEqual(0);
    expect(k.recall_at_10_at_p50_latency!.recall_at_10).toBeLessThanOrEqual(1);
    expect(k.recall_at_10_at_p50_latency!.p50_ms).toBeGreaterThan(0);
    expect(k.bytes_per_product!.value).toBe(size.bytes_per_product);
    const last = stdout.trimEnd().split('\n').slice(-3);
    expect(last[0]).toMatch(/^drop-to-results p50 +\d/);
    expect(last[1]).toMatch(/^recall@10 at p50 latency +[01]\.\d{3} at /);
    expect(last[2]).toMatch(/^bytes per product +[\d,]+ B/);
  }, 420_000);
});
