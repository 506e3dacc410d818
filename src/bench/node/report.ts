import { formatBytes } from '../../common/shared/units.js';
import type { ScaleLine } from './scale.js';
import type { Summary } from '../shared/stats.js';
import { BUSY_PER_CORE } from './machine.js';
import type { BenchResult } from './run.js';
import type { IndexSize, SizedFile } from './sizes.js';

type Cell = string | number;
type Align = 'l' | 'r';

/** A plain-text table: a header row, a rule, the rows; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], align?: readonly Align[]): string {
  const text = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const side = (i: number): Align => align?.[i] ?? (i === 0 ? 'l' : 'r');
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (side(i) === 'l' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

const ms = (v: number) => (!Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const sec = (v: number) => (v / 1000).toFixed(2);
const int = (v: number) => Math.round(v).toLocaleString('en');
const p50p95 = (s: Summary) => `${ms(s.p50)} / ${ms(s.p95)}`;
const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—');

/** Per-category graphs, and shards, summed into one entry each. */
function fileList(files: readonly SizedFile[], products: number): string {
  const groups = [
    { of: (f: SizedFile) => f.path.startsWith('hnsw/category-'), name: (n: number) => `hnsw/category-*.hnsw (${n} graphs)` },
    { of: (f: SizedFile) => f.path.startsWith('cells/'), name: (n: number) => `cells/*.cell (${n} shards)` },
  ];
  const merged = [
    ...files.filter((f) => !groups.some((g) => g.of(f))),
    ...groups.flatMap((g) => {
      const members = files.filter(g.of);
      return members.length ? [{ path: g.name(members.length), bytes: members.reduce((s, f) => s + f.bytes, 0), fixed: false }] : [];
    }),
  ];
  return merged
    .map((f) => `${f.path} ${f.fixed ? `${formatBytes(f.bytes)} fixed` : int(f.bytes / products)}`)
    .join(', ');
}

function heading(title: string): string {
  return `\n${title}\n${'═'.repeat(Math.min(title.length, 110))}`;
}

export function formatReport(r: BenchResult, jsonPath: string | null = null): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `Vitrine bench (${r.mode}) — ${r.started_at.slice(0, 16).replace('T', ' ')} UTC, ${r.duration_s.toFixed(0)} s`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GiB, ${m.os}; Node ${m.node}; Chromium ${m.chromium ?? '—'}; load average ${m.load_average.start.toFixed(2)} → ${m.load_average.end?.toFixed(2) ?? '—'}`,
    `index: ${r.artifacts.dir} (${int(r.artifacts.products)} products, ${r.artifacts.profile} profile, build ${r.artifacts.build_id})`,
    ...(jsonPath ? [`JSON: ${jsonPath}`] : []),
    r.method,
  );

  if (r.embedding) {
    const e = r.embedding;
    const photos = e.photos.map((p) => `${p.name} ${p.file} ${p.width}×${p.height} (${formatBytes(p.bytes)})`).join(', ');
    const runtime = (c: (typeof e.contenders)[number]) =>
      c.runtime === 'browser' ? 'Chromium (onnxruntime-web)' : c.pipeline === 'sharp' ? 'onnxruntime-node + sharp resize' : 'onnxruntime-node';
    out.push(
      heading(`Image embedding per photo — ${e.profile} profile (${e.models.semantic} + ${e.models.visual})`),
      `photos: ${photos}`,
      `${e.reps} repetitions (+${e.warmup} warm-up) per contender; ms p50 (p95 for the totals); batch of one photo; decode = to the reduced size the towers need`,
      table(
        ['photo', 'runtime', 'backend', 'threads', 'load', 'decode', 'preprocess', 'semantic', 'visual', 'towers p50 / p95', 'photo p50 / p95'],
        [...e.contenders]
          .sort((a, b) => a.photo.localeCompare(b.photo, 'en', { numeric: true }) || a.threads - b.threads)
          .map((c) => [
            c.photo,
            runtime(c),
            c.backend,
            c.threads,
            ms(c.load_ms),
            ms(c.decode_ms.p50),
            ms(c.preprocess_ms.p50),
            ms(c.semantic_ms.p50),
            ms(c.visual_ms.p50),
            p50p95(c.towers_ms),
            p50p95(c.photo_ms),
          ]),
        ['l', 'l', 'l'],
      ),
      `→ browser/best native ratio (p50, WASM vs the faster of onnxruntime-node's pipelines): ${e.ratios
        .map((x) => `${x.threads} thread${x.threads > 1 ? 's' : ''}: towers ${ratio(x.towers)}, whole photo ${Object.entries(x.photo).map(([name, v]) => `${name} ${ratio(v)}`).join(', ')}`)
        .join('; ')}`,
      `  WebGPU: ${e.webgpu.note}`,
    );
  }

  if (r.ann) {
    for (const set of r.ann.sets) {
      const w = set.graphs.wasm;
      const wasmLine = !w
        ? null
        : w.browser_build_s !== null
          ? `hnswlib-wasm graph ≈${formatBytes(w.bytes)} (${int(w.bytes_per_vector)} B/vector), built in the browser in ${w.browser_build_s.toFixed(1)} s: ${w.note ?? ''}`
          : `hnswlib-wasm graph ${formatBytes(w.bytes)} (${int(w.bytes_per_vector)} B/vector)${w.build_s !== null ? `, built in Node in ${w.build_s.toFixed(1)} s (cached)` : ", the index's own"}, opened in the browser in ${ms(w.browser_load_ms ?? Number.NaN)} ms`;
      const graphs = [
        wasmLine,
        set.graphs.native ? `hnswlib-node graph ${formatBytes(set.graphs.native.bytes)}, built in ${set.graphs.native.build_s?.toFixed(1) ?? '—'} s (cached)` : null,
        `queries: ${set.query_source}`,
      ].filter(Boolean);
      const pageRow = set.contenders.find((c) => c.engine === 'hnswlib-wasm' && c.setting === 'page') ?? set.contenders.find((c) => c.engine === 'hnswlib-node' && c.setting === 'page');
      out.push(
        heading(`ANN search — ${set.name === 'catalog' ? 'catalog size' : `${int(set.rows)} vectors`}: ${set.description}`),
        `M ${set.m}, efConstruction ${set.ef_construction}; ${set.queries} queries × ${set.rounds} rounds (+${set.warmup_rounds} warm-up); recall@10 against an exact scan; latency per query in ms`,
        table(
          ['engine', 'where', 'setting', 'efSearch', 'k', 'queries', 'recall@10', 'p50 ms', 'p95 ms'],
          set.contenders.map((c) => [
            c.engine,
            c.runtime,
            c.setting === 'page' ? 'as the page' : c.setting,
            c.ef ?? '—',
            c.k,
            `${c.queries}×${set.rounds}`,
            c.recall_at_10.toFixed(3),
            ms(c.latency_ms.p50),
            ms(c.latency_ms.p95),
          ]),
          ['l', 'l', 'l'],
        ),
        ...graphs.map((g) => `  ${g}`),
        ...(pageRow ? [`→ recall@10 at p50 latency, as the page searches (k ${pageRow.k}, efSearch ${pageRow.ef}), ${pageRow.engine}: ${pageRow.recall_at_10.toFixed(3)} at ${ms(pageRow.latency_ms.p50)} ms`] : []),
      );
    }
  }

  if (r.build) {
    const b = r.build;
    out.push(
      heading(`Index build throughput — ${b.products}-product catalog sample, empty embedding cache, ${b.workers} embedding workers`),
      `${b.reps} builds (+${b.warmup} warm-up) per profile, profiles alternated; whole build = scan, embed, describe, graphs, gates, write`,
      table(
        ['profile', 'products/s p50', 'min–max', 'embed images/s p50', 'build s p50', 'stages s (p50)'],
        b.profiles.map((p) => [
          p.profile,
          p.products_per_s.p50.toFixed(2),
          `${p.products_per_s.min.toFixed(2)}–${p.products_per_s.max.toFixed(2)}`,
          p.embed_images_per_s.p50.toFixed(2),
          p.total_s.p50.toFixed(1),
          Object.entries(p.stages_s)
            .filter(([k]) => k !== 'total')
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', '),
        ]),
        ['l', 'r', 'r', 'r', 'r', 'l'],
      ),
      `→ products/s of a whole build: ${b.profiles.map((p) => `${p.profile} ${p.products_per_s.p50.toFixed(2)}`).join(', ')} (the embedding rate is what scales with the catalog)`,
    );
  }

  if (r.page) {
    const p = r.page;
    out.push(
      heading(`Page — cold load, warm load (IndexedDB) and drop-to-results in headless Chromium; photos ${p.photos.map((x) => `${x.name} ${x.file}`).join(', ')}`),
      `${p.reps} loads (+${p.warmup} warm-up) per index, indexes alternated, a fresh browser profile each; ms p50 / p95`,
      table(
        ['index', 'products', 'models', 'engine', 'downloaded to ready', 'cold → ready', 'warm → ready', 'first search', 'drop → results'],
        p.indexes.map((i) => [
          i.name,
          int(i.products),
          i.profile,
          `${i.backend} × ${i.threads}`,
          `${formatBytes(i.cold_bytes.total)} (app ${formatBytes(i.cold_bytes.app)}, models ${formatBytes(i.cold_bytes.models)}, index ${formatBytes(i.cold_bytes.artifacts)})`,
          `${sec(i.cold_ready_ms.p50)} s / ${sec(i.cold_ready_ms.p95)} s`,
          `${sec(i.warm_ready_ms.p50)} s / ${sec(i.warm_ready_ms.p95)} s`,
          ms(i.first_search_ms.p50),
          Object.entries(i.drop_to_results_ms).map(([name, d]) => `${name} ${ms(d.p50)} / ${ms(d.p95)} (n ${d.n})`).join(', '),
        ]),
        ['l', 'r', 'l', 'l', 'l'],
      ),
      `→ drop-to-results p50: ${p.indexes.map((i) => `${i.name} ${Object.entries(i.drop_to_results_ms).map(([name, d]) => `${name} ${ms(d.p50)} ms`).join(', ')}`).join('; ')}`,
    );
  }

  if (r.sizes) {
    const s = r.sizes;
    out.push(
      heading('Artifact bytes per product and download size per profile'),
      table(
        ['index', 'profile', 'products', 'artifacts', 'B/product', 'downloaded by the page', 'page B/product', 'growing B/product', 'fixed'],
        s.indexes.map((i) => [i.name, i.profile, int(i.products), formatBytes(i.total_bytes), int(i.bytes_per_product), formatBytes(i.page_bytes), int(i.page_bytes_per_product), int(i.scaling_bytes_per_product), formatBytes(i.fixed_bytes)]),
        ['l', 'l'],
      ),
      '',
      `per file, bytes per product:\n${s.indexes.map((i) => `  ${i.name}: ${fileList(i.files, i.products)}\n  ${i.name} as the page reads it (page/): ${fileList(i.page_files, i.products)}`).join('\n')}`,
      '',
      `first visit, downloaded, for a catalog of ${int(s.downloads[0]?.products ?? 0)} products:`,
      table(
        ['profile', 'image models', 'index', 'app + runtime', 'total', 'basis'],
        s.downloads.map((d) => [
          d.profile,
          d.model_bytes === null ? '—' : formatBytes(d.model_bytes),
          formatBytes(d.artifact_bytes),
          d.app_bytes === null ? '—' : formatBytes(d.app_bytes),
          d.total_bytes === null ? '—' : formatBytes(d.total_bytes),
          d.basis,
        ]),
        ['l', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  }

  if (r.server) {
    const v = r.server;
    out.push(
      heading(`Search server — PostgreSQL + pgvector, ${v.engine}`),
      `${v.note} Cores: ${v.cores}.`,
      table(
        ['catalog', 'products', 'export s', 'clients', 'searches', 'QPS', 'QPS/core', 'p50 ms', 'p99 ms', 'errors', 'recall@10', 'exact p50 ms'],
        v.catalogs.flatMap((c) =>
          c.runs.map((run, i) => [
            i === 0 ? c.name : '',
            i === 0 ? int(c.products) : '',
            i === 0 ? c.export_s.toFixed(1) : '',
            run.clients,
            int(run.requests),
            run.qps.toFixed(1),
            run.qps_per_core.toFixed(1),
            ms(run.latency_ms.p50),
            ms(run.latency_ms.p99),
            run.errors,
            i === 0 ? `${c.recall_at_10.toFixed(3)} (${c.queries} photos)` : '',
            i === 0 ? ms(c.exact_ms.p50) : '',
          ]),
        ),
      ),
      ...(v.fault
        ? [
            `→ database stopped at ${v.fault.stopped_at_s.toFixed(1)} s and restarted at ${v.fault.restarted_at_s.toFixed(1)} s of a ${v.fault.seconds.toFixed(1)} s run (${v.fault.clients} clients, ${v.fault.catalog}): answers ${Object.entries(v.fault.answers)
                .map(([status, n]) => `${status} × ${n}`)
                .join(', ')}; other failures ${v.fault.other_failures}; first 200 ${v.fault.recovery_ms === null ? 'never' : `${ms(v.fault.recovery_ms)} ms`} after the restart; data intact: ${v.fault.intact ? 'yes' : 'NO'}`,
          ]
        : []),
    );
  }

  const loads = Object.entries(r.load);
  if (loads.length) {
    out.push(
      heading('Load average around the timed parts (1 minute, per attempt)'),
      ...loads.map(([part, attempts]) => `${part}: ${attempts!.map((a) => `${a.start.toFixed(2)} → ${a.end.toFixed(2)}${a.busy ? ' (busy)' : ''}`).join('; ')}`),
      ...(loads.some(([, attempts]) => attempts!.every((a) => a.busy)) ? [`WARNING: the machine stayed busy (> ${(BUSY_PER_CORE.before * m.cores).toFixed(1)} before or > ${(BUSY_PER_CORE.after * m.cores).toFixed(1)} after): these timings are pessimistic and their ratios unreliable`] : []),
    );
  }

  if (r.scale) {
    const cell = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));
    const row = (l: ScaleLine) => [
      int(l.products),
      l.format,
      l.synthetic ? 'yes' : 'no',
      int(l.downloaded_bytes_per_product),
      l.first_result_bytes === null ? '—' : `${formatBytes(l.first_result_bytes)}${l.first_result_ms === null ? '' : `, ${ms(l.first_result_ms)} ms`}`,
      cell(l.recall_at_10),
      cell(l.words_recall_at_10),
      l.p50_ms === null ? '—' : ms(l.p50_ms),
      l.p99_ms_cached === null ? '—' : ms(l.p99_ms_cached),
      l.p99_ms_uncached === null ? '—' : ms(l.p99_ms_uncached),
      l.node === null ? '—' : `${ms(l.node.p50_ms)} / ${ms(l.node.p99_ms_cached)}`,
      `${l.worker_memory_mb === null ? '—' : l.worker_memory_mb.toFixed(0)} (${l.cells_held_mb === null ? '—' : l.cells_held_mb.toFixed(0)})`,
      l.build_products_per_s === null ? '—' : int(l.build_products_per_s),
    ];
    // The 44k and 1M lines last: the figures the issue is about.
    const last = (l: ScaleLine) => (l.products === 44_417 ? 1 : l.products === 1_000_000 ? 2 : 0);
    const lines = [...r.scale].sort((a, b) => last(a) - last(b) || a.products - b.products);
    out.push(
      heading('Scale — compact layout against today\'s'),
      table(['products', 'format', 'synthetic', 'B/product', 'first result', 'recall@10', 'words', 'p50 ms', 'p99 cached', 'p99 uncached', 'Node p50 / p99', 'worker MB (shards)', 'build /s'], lines.map(row), ['r', 'l', 'l']),
      ...r.scale.filter((l) => l.page_matches_node !== null).map((l) => `- ${int(l.products)}: the page's first 10 results equal Node's for ${(100 * l.page_matches_node!).toFixed(1)} % of the queries`),
      ...[...new Set(r.scale.map((l) => `${l.format}: ${l.note}`))].map((n) => `- ${n}`),
    );
  }

  if (r.skipped.length) {
    out.push(heading('Not measured'), ...r.skipped.map((s) => `- ${s.what}: ${s.reason}`));
  }

  const k = r.key_figures;
  out.push(
    heading('Key figures'),
    `drop-to-results p50        ${k.drop_to_results_p50_ms ? `${ms(k.drop_to_results_p50_ms.value)} ms — ${k.drop_to_results_p50_ms.of}` : 'not measured'}`,
    `recall@10 at p50 latency   ${k.recall_at_10_at_p50_latency ? `${k.recall_at_10_at_p50_latency.recall_at_10.toFixed(3)} at ${ms(k.recall_at_10_at_p50_latency.p50_ms)} ms — ${k.recall_at_10_at_p50_latency.of}` : 'not measured'}`,
    `bytes per product          ${k.bytes_per_product ? `${int(k.bytes_per_product.value)} B (${int(k.bytes_per_product.page_value)} B of it downloaded by the page) — ${k.bytes_per_product.of}` : 'not measured'}`,
  );
  return `${out.join('\n')}\n`;
}
