import type { EvalReport, PerMode, RankingMode } from './evaluate.js';
import type { SweepReport } from './sweep.js';
import { RANKING_MODES } from './evaluate.js';
import type { AblationRow } from './ablation.js';

/** What `npm run eval` writes: the metrics, how they were obtained, and what they mean. */
export interface EvalOutput extends Omit<EvalReport, 'queries'> {
  /** Photos found under the queries folder, unreadable ones included. */
  readonly queries: number;
  readonly unreadable: number;
  readonly sweep?: SweepReport & { readonly plot: string | null };
  readonly ablation?: readonly AblationRow[];
  readonly setup: {
    readonly queries_dir: string;
    /** Every n-th photo was evaluated (1: all). */
    readonly every: number;
    readonly labels: string | null;
    readonly label_column: string;
    readonly label_map: Readonly<Record<string, readonly string[]>>;
    readonly artifacts: string;
    readonly build_id: string;
    readonly products: number;
    readonly categories: number;
    readonly fusion: string;
    readonly weights: { readonly semantic: number; readonly visual: number };
    readonly confidence_threshold: number;
    readonly framing: string;
    readonly created_at: string;
  };
  readonly definitions: Readonly<Record<string, string>>;
  readonly unreadable_files: readonly { readonly file: string; readonly reason: string }[];
}

export const DEFINITIONS: Readonly<Record<string, string>> = {
  precision_at_k:
    'End to end, as a shopper sees it: the policy detects the category (whole catalog when unsure, semantic fallback for out-of-stock guesses), then ranks. Share of the first k results whose category is the query label or one the label map accepts; the denominator is k, or the number of such catalog products when smaller. Mean over labelled queries whose label matches catalog products.',
  ranking_modes:
    'semantic: weighted fusion with weights {semantic 1, visual 0}; visual: {0, 1}; fused_weighted: weighted fusion with the index weights; fused_rrf: reciprocal rank fusion with the index weights. Scopes with an HNSW graph (whole catalog, large categories) re-rank the semantic nearest neighbours (search.candidates), so visual mode there re-ranks semantic candidates.',
  exact_recall_at_k: 'Queries whose file name is a catalog product id: share that get that product in the first k results. null when no query id is a catalog id.',
  category_accuracy: "The classifier's top guess (predicted_category, whatever the status) against the label (label map applied). Independent of the ranking mode.",
  catalog_wide: 'The whole catalog ranked with no category detection (confidence threshold 1): the embeddings and the fusion alone.',
  macro: 'Means over labels, each label weighing the same.',
  calibration:
    'reliability: labelled photos binned by the confidence of the response (tenths), with the share whose category was right; expected_calibration_error: the gap between the two, weighted by photos. category_accuracy_when_confident: accuracy of the photos answered success or fallback; needs_confirmation_rate: share answered needs_confirmation.',
  search_ms: 'Time the search policy takes per photo after it is embedded (fused_weighted, end to end), in this process.',
  excluded: 'Unreadable photos are counted in queries and left out of everything else; unlabelled photos are left out of label metrics (category accuracy, precision) but count in exact recall.',
};

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function modeTable(rows: readonly [string, PerMode<number | null> | null][]): string[] {
  const first = Math.max(24, ...rows.map(([name]) => name.length + 2));
  const widths = RANKING_MODES.map((m) => Math.max(m.length, 7) + 2);
  const header = pad('', first) + RANKING_MODES.map((m, i) => pad(m, widths[i]!, true)).join('');
  return [
    header,
    ...rows.map(([name, values]) => pad(name, first) + RANKING_MODES.map((m: RankingMode, i) => pad(pct(values?.[m]), widths[i]!, true)).join('')),
  ];
}

/** The printed table: headline metrics per ranking mode, confusions, per-category rows, sweep summary. */
export function formatTable(out: EvalOutput): string {
  const s = out.setup;
  const lines: string[] = [];
  lines.push(`Vitrine eval: ${out.queries} query photos in ${s.queries_dir}${s.every > 1 ? ` (every ${s.every}th)` : ''}`);
  lines.push(`  index ${s.artifacts} (build ${s.build_id.slice(0, 12)}, ${s.products.toLocaleString('en')} products, ${s.categories} categories)`);
  lines.push(
    `  policy: ${s.fusion} fusion, weights semantic ${s.weights.semantic} / visual ${s.weights.visual}, confidence threshold ${s.confidence_threshold}, framing ${s.framing}`,
  );
  lines.push(`  labels ${s.labels ?? '(none)'} column ${s.label_column}${Object.keys(s.label_map).length ? `, label map of ${Object.keys(s.label_map).length} labels` : ''}`);
  lines.push(
    `  labelled ${out.labelled}, unlabelled ${out.unlabelled}, unreadable ${out.unreadable}; ${out.catalog_id_queries} are catalog products` +
      (out.labels_without_products ? `; ${out.labels_without_products} labels match no catalog product (no precision)` : ''),
  );
  lines.push('');
  lines.push(
    `category accuracy  ${pct(out.category_accuracy)}  (macro ${pct(out.macro.category_accuracy)}; catalog products ${pct(out.category_accuracy_catalog_ids)}, others ${pct(out.category_accuracy_other_ids)})`,
  );
  lines.push(
    `needs_confirmation ${pct(out.needs_confirmation_rate)}  (accuracy when confident ${pct(out.category_accuracy_when_confident)}, when unsure ${pct(out.category_accuracy_when_unsure)})`,
  );
  lines.push(`status             ${Object.entries(out.status_counts).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  lines.push(
    `reliability        ${out.calibration.reliability
      .filter((b) => b.queries > 0)
      .map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${pct(b.accuracy)} of ${b.queries}`)
      .join(' · ')}  (expected calibration error ${pct(out.calibration.expected_calibration_error)})`,
  );
  lines.push(`search time        p50 ${out.search_ms.p50 ?? '—'} ms, p95 ${out.search_ms.p95 ?? '—'} ms per photo once embedded`);
  lines.push('');
  lines.push('End to end (category detection + ranking, what the shopper sees)');
  lines.push(
    ...modeTable([
      ['precision@5', out.precision_at_5],
      ['precision@10', out.precision_at_10],
      ['macro precision@5', out.macro.precision_at_5],
      ['exact recall@1', out.exact_recall_at_1],
      ['exact recall@10', out.exact_recall_at_10],
    ]),
  );
  lines.push('');
  lines.push('Whole catalog, no category detection (embeddings + fusion alone)');
  lines.push(
    ...modeTable([
      ['precision@5', out.catalog_wide.precision_at_5],
      ['precision@10', out.catalog_wide.precision_at_10],
      ['exact recall@1', out.catalog_wide.exact_recall_at_1],
      ['exact recall@10', out.catalog_wide.exact_recall_at_10],
    ]),
  );
  if (out.confusions.length > 0) {
    lines.push('');
    lines.push('Top category errors (label → predicted)');
    const w = Math.max(...out.confusions.map((c) => `${c.label} → ${c.predicted}`.length)) + 2;
    for (const c of out.confusions) lines.push(`  ${pad(`${c.label} → ${c.predicted}`, w)}${c.count}  (${pct(c.share_of_label)} of ${c.label})`);
  }
  const categories = Object.entries(out.by_category);
  if (categories.length > 0) {
    lines.push('');
    lines.push('By label (precision@5 per mode)');
    const w = Math.max(12, ...categories.map(([name]) => name.length)) + 2;
    lines.push(`  ${pad('label', w)}${pad('n', 4, true)}${pad('accuracy', 10, true)}${RANKING_MODES.map((m) => pad(m, Math.max(m.length, 7) + 2, true)).join('')}`);
    for (const [name, row] of categories) {
      lines.push(
        `  ${pad(name, w)}${pad(String(row.queries), 4, true)}${pad(pct(row.category_accuracy), 10, true)}` +
          RANKING_MODES.map((m) => pad(pct(row.precision_at_5[m]), Math.max(m.length, 7) + 2, true)).join(''),
      );
    }
  }
  if (out.ablation) {
    lines.push('');
    lines.push('Ablation (techniques switched on; the others off)');
    const w = Math.max(24, ...out.ablation.map((r) => (r.techniques.length === 0 ? 4 : r.techniques.join(' + ').length))) + 2;
    const head = ['accuracy', 'macro', 'acc(conf)', 'unsure', 'P@5 sem', 'P@5 vis', 'P@5 fused', 'exact@1', 'ms p50'];
    lines.push(`  ${pad('techniques', w)}${head.map((h) => pad(h, 10, true)).join('')}`);
    for (const r of out.ablation) {
      const cells = [
        pct(r.category_accuracy),
        pct(r.macro_category_accuracy),
        pct(r.category_accuracy_when_confident),
        pct(r.needs_confirmation_rate),
        pct(r.precision_at_5.semantic),
        pct(r.precision_at_5.visual),
        pct(r.precision_at_5.fused),
        pct(r.exact_recall_at_1),
        r.search_ms_p50 === null ? '—' : r.search_ms_p50.toFixed(1),
      ];
      lines.push(`  ${pad(r.techniques.length === 0 ? 'none' : r.techniques.join(' + '), w)}${cells.map((c) => pad(c, 10, true)).join('')}`);
    }
  }
  if (out.sweep) {
    const sw = out.sweep;
    lines.push('');
    lines.push('Sweep (one parameter at a time; end-to-end precision@5)');
    const weights = [...new Set(sw.by_weight.map((p) => p.semantic_weight))];
    const at = (fusion: string, w: number) => sw.by_weight.find((p) => p.fusion === fusion && p.semantic_weight === w);
    lines.push(`  ${pad('semantic weight', 28)}${weights.map((w) => pad(String(w), 7, true)).join('')}`);
    lines.push(`  ${pad('weighted, end to end', 28)}${weights.map((w) => pad(pct(at('weighted', w)?.precision_at_5), 7, true)).join('')}`);
    lines.push(`  ${pad('rrf, end to end', 28)}${weights.map((w) => pad(pct(at('rrf', w)?.precision_at_5), 7, true)).join('')}`);
    lines.push(`  ${pad('weighted, whole catalog', 28)}${weights.map((w) => pad(pct(at('weighted', w)?.catalog_wide_precision_at_5), 7, true)).join('')}`);
    lines.push(`  ${pad('rrf, whole catalog', 28)}${weights.map((w) => pad(pct(at('rrf', w)?.catalog_wide_precision_at_5), 7, true)).join('')}`);
    if (sw.by_weight.some((p) => p.exact_recall_at_1 !== null)) {
      lines.push(`  ${pad('weighted, exact recall@1', 28)}${weights.map((w) => pad(pct(at('weighted', w)?.exact_recall_at_1), 7, true)).join('')}`);
    }
    lines.push('');
    lines.push(`  ${pad('confidence threshold', 28)}${pad('P@5', 8, true)}${pad('P@10', 8, true)}${pad('unsure', 8, true)}${pad('acc(conf)', 11, true)}${pad('exact@1', 9, true)}`);
    for (const p of sw.by_threshold) {
      lines.push(
        `  ${pad(String(p.confidence_threshold), 28)}${pad(pct(p.precision_at_5), 8, true)}${pad(pct(p.precision_at_10), 8, true)}` +
          `${pad(pct(p.needs_confirmation_rate), 8, true)}${pad(pct(p.category_accuracy_when_confident), 11, true)}${pad(pct(p.exact_recall_at_1), 9, true)}`,
      );
    }
    const b = sw.best;
    lines.push('');
    lines.push(
      `  best by precision@5: weighted w=${b.weighted?.semantic_weight ?? '—'} (${pct(b.weighted?.precision_at_5)}), rrf w=${b.rrf?.semantic_weight ?? '—'} (${pct(b.rrf?.precision_at_5)}), ` +
        `threshold ${b.confidence_threshold?.confidence_threshold ?? '—'} (${pct(b.confidence_threshold?.precision_at_5)}, unsure ${pct(b.confidence_threshold?.needs_confirmation_rate)}); ` +
        `current: ${sw.current.fusion} w=${sw.current.semantic_weight}, threshold ${sw.current.confidence_threshold}`,
    );
    if (sw.plot) lines.push(`  plot: ${sw.plot}`);
  }
  return `${lines.join('\n')}\n`;
}
