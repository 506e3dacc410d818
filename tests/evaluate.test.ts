import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOY_SEARCH_CONFIG, toyCatalog, toyProduct } from './helpers/toy-catalog.js';
import type { SearchCatalog } from '../src/search/shared/catalog.js';
import type { SearchConfig } from '../src/artifacts/shared/config.js';
import { normalize } from '../src/vectors/shared/vector.js';
import { catalogWide, evalCatalog, evaluateQueries, modeRequest, RANKING_MODES, withSearchConfig, type EvalQuery, type EvalReport } from '../src/eval/shared/evaluate.js';
import { sweep, type SweepReport } from '../src/eval/shared/sweep.js';
import { catalogSource } from '../src/search/shared/source.js';
import { EMPTY_LABEL_MAP, parseLabelMap } from '../src/eval/shared/labels.js';
import { grid } from '../src/eval/shared/metrics.js';
import { sweepChart } from '../src/eval/shared/plot.js';
import { DEFINITIONS, formatTable, type EvalOutput } from '../src/eval/shared/report.js';

// A 5-d toy world: axis 0 = shirts, 1 = jeans, 2 = watches (not in this shop), 4 = "denim look" (visual only).
const config: SearchConfig = { ...TOY_SEARCH_CONFIG, neighborVotes: 3 };

const SHIRT = [1, 0, 0, 0, 0];
const JEANS = [0, 1, 0, 0, 0];
const WATCH = [0, 0, 1, 0, 0];
const v = (base: number[], wobble: number, denim = 0) => base.map((x, i) => x + (i === 3 ? wobble : i === 4 ? denim : 0));

/** 3 shirts, 5 jeans; shirt s3 looks like denim to the visual model. */
function toyShop(): SearchCatalog {
  const jeans = ['j1', 'j2', 'j3', 'j4', 'j5'];
  const products = [toyProduct('s1', 'Shirts'), toyProduct('s2', 'Shirts'), toyProduct('s3', 'Shirts'), ...jeans.map((id) => toyProduct(id, 'Jeans'))];
  const wobble = [0.1, 0.2, 0.3, 0.1, 0.15, 0.2, 0.25, 0.3];
  return toyCatalog({
    products,
    semantic: products.map((p, i) => v(p.category === 'Shirts' ? SHIRT : JEANS, wobble[i]!)),
    visual: products.map((p, i) => (p.id === 's1' || p.id === 's2' ? v(SHIRT, wobble[i]!) : v(JEANS, wobble[i]!, 1))),
    prompts: { categories: ['Shirts', 'Jeans', 'Watches'], vectors: [SHIRT, JEANS, WATCH] },
    search: config,
  });
}

const q = (id: string, label: string | null, semantic: number[], visual = semantic): EvalQuery => ({
  id,
  file: `${id}.jpg`,
  label,
  vectors: { semantic: normalize(semantic), visual: normalize(visual) },
});

const queries: EvalQuery[] = [
  q('s1', 'Shirts', [1, 0, 0, 0.1, 0]), // a catalog product's own photo
  q('p1', 'pants', [0, 1, 0, 0.05, 0]), // foreign label, mapped onto Jeans
  q('p2', 'Shirts', [0.1, 1, 0, 0, 0]), // a shirt the classifier takes for jeans
  q('u1', null, [1, 0, 0, 0.2, 0]), // unlabelled: counted, left out of label metrics
  q('w1', 'Watches', [0, 0, 1, 0, 0]), // nothing in the catalog answers it
  q('m1', 'Shirts', [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]), // ambiguous: asks for confirmation
  q('d1', 'Shirts', [1, 0, 0, 0.1, 0], [0, 1, 0, 0, 1]), // a shirt that looks like denim to the visual model
];

describe('ranking modes', () => {
  it('map onto requests of the policy', async () => {
    const w = { semantic: 0.3, visual: 0.7 };
    expect(modeRequest('semantic', w)).toEqual({ fusion: 'weighted', weights: { semantic: 1, visual: 0 } });
    expect(modeRequest('visual', w)).toEqual({ fusion: 'weighted', weights: { semantic: 0, visual: 1 } });
    expect(modeRequest('fused_weighted', w)).toEqual({ fusion: 'weighted', weights: w });
    expect(modeRequest('fused_rrf', w)).toEqual({ fusion: 'rrf', weights: w });
  });

  it('a changed threshold is a copy of the parameters: the original source is untouched, the vectors shared', async () => {
    const source = catalogSource(toyShop());
    const copy = withSearchConfig(source, { confidenceThreshold: 0.9 });
    expect(copy.info.search.confidenceThreshold).toBe(0.9);
    expect(source.info.search.confidenceThreshold).toBe(0.5);
    expect(copy.info.prompts).toBe(source.info.prompts);
    const probe = { scope: null, probe: normalize([1, 0, 0, 0.1, 0]), limit: 50, second: { space: 'visual', vector: normalize([1, 0, 0, 0, 0]) } } as const;
    expect(await copy.candidates(probe)).toEqual(await source.candidates(probe));
    expect(catalogWide(source).info.search.confidenceThreshold).toBe(1);
  });
});

describe('evaluateQueries', () => {
  const labelMap = parseLabelMap({ pants: ['Jeans', 'Trousers'] });
  let report: EvalReport;
  beforeAll(async () => {
    report = await evaluateQueries(evalCatalog(toyShop()), queries, { labelMap });
  });

  it('counts queries, labels and catalog ids', async () => {
    expect(report.queries).toBe(7);
    expect(report.labelled).toBe(6);
    expect(report.unlabelled).toBe(1);
    expect(report.catalog_id_queries).toBe(1);
    expect(report.labels_without_products).toBe(1);
  });

  it('category accuracy: predicted category vs label, with the label map', async () => {
    const byId = new Map(report.per_query.map((r) => [r.id, r]));
    expect(byId.get('s1')!.category_right).toBe(true);
    expect(byId.get('p1')!.category_right).toBe(true); // Jeans counts for "pants"
    expect(byId.get('p2')!.category_right).toBe(false);
    expect(byId.get('w1')!.category_right).toBe(true); // Watches predicted: right, though out of stock
    expect(byId.get('u1')!.category_right).toBeNull();
    expect(byId.get('m1')!.status).toBe('needs_confirmation');
    const right = report.per_query.filter((r) => r.category_right === true).length;
    expect(report.category_accuracy).toBe(Number((right / 6).toFixed(4)));
    expect(report.confusions).toEqual([{ label: 'Shirts', predicted: 'Jeans', count: 2, share_of_label: 0.5 }]); // p2 and the unsure m1
  });

  it('precision@k end to end per mode: the detected category decides, the capped denominator keeps small categories fair', async () => {
    const p1 = report.per_query.find((r) => r.id === 'p1')!;
    expect(p1.precision_at_5.fused_weighted).toBe(1);
    expect(report.per_query.find((r) => r.id === 'd1')!.precision_at_5.visual).toBe(1); // searched in Shirts: 3 of 3
    const s1 = report.per_query.find((r) => r.id === 's1')!;
    expect(s1.precision_at_5.semantic).toBe(1);
    const p2 = report.per_query.find((r) => r.id === 'p2')!;
    expect(p2.precision_at_5.fused_weighted).toBe(0); // searched in Jeans: no shirt
    const w1 = report.per_query.find((r) => r.id === 'w1')!;
    expect(w1.precision_at_5.fused_weighted).toBeNull();
    for (const m of RANKING_MODES) {
      expect(report.precision_at_5[m]).toBeGreaterThanOrEqual(0);
      expect(report.precision_at_5[m]).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(report.by_category)).toEqual(['pants', 'Shirts', 'Watches']);
    expect(report.by_category.Shirts!.queries).toBe(4);
    expect(report.by_category.pants!.catalog_products).toBe(5);
    expect(report.by_category.Watches!.precision_at_5.fused_weighted).toBeNull();
  });

  it('whole-catalog ranking shows what the visual model alone does to a shirt that looks like denim', async () => {
    // Over the whole catalog, d1's visual neighbours are jeans; in the detected category they were all shirts.
    expect(report.catalog_wide.precision_at_5.semantic).not.toBeNull();
    const alone = await evaluateQueries(evalCatalog(toyShop()), [queries.at(-1)!], { labelMap });
    expect(alone.catalog_wide.precision_at_5.semantic).toBe(1);
    expect(alone.catalog_wide.precision_at_5.visual).toBe(Number((1 / 3).toFixed(4)));
    expect(alone.precision_at_5.visual).toBe(1);
    expect(report.catalog_wide.precision_at_5.visual!).toBeLessThan(report.catalog_wide.precision_at_5.semantic!);
  });

  it('exact recall: a catalog product photo finds itself first in every mode', async () => {
    for (const m of RANKING_MODES) {
      expect(report.exact_recall_at_1![m]).toBe(1);
      expect(report.exact_recall_at_10![m]).toBe(1);
      expect(report.catalog_wide.exact_recall_at_1![m]).toBe(1);
    }
    expect(report.per_query.find((r) => r.id === 's1')!.exact_rank).toEqual({ semantic: 1, visual: 1, fused_weighted: 1, fused_rrf: 1 });
  });

  it('exact recall is null (not 0) when no query id is a catalog id, and all-unlabelled gives null label metrics', async () => {
    const r = await evaluateQueries(evalCatalog(toyShop()), [q('x1', null, [1, 0, 0, 0, 0])], { labelMap: EMPTY_LABEL_MAP });
    expect(r.exact_recall_at_1).toBeNull();
    expect(r.category_accuracy).toBeNull();
    expect(r.precision_at_5.fused_weighted).toBeNull();
    expect(r.confusions).toEqual([]);
    const empty = await evaluateQueries(evalCatalog(toyShop()), [], { labelMap: EMPTY_LABEL_MAP });
    expect(empty.queries).toBe(0);
    expect(empty.needs_confirmation_rate).toBeNull();
  });

  it('is plain JSON', async () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('sweep', () => {
  const catalog = evalCatalog(toyShop());
  let result: SweepReport;
  beforeAll(async () => {
    result = await sweep(catalog, queries, { labelMap: EMPTY_LABEL_MAP, weights: grid(0, 1, 4), thresholds: grid(0, 1, 4) });
  });

  it('varies the weight for both fusions and the threshold, one at a time', async () => {
    expect(result.by_weight).toHaveLength(10);
    expect(result.by_weight.filter((p) => p.fusion === 'rrf').map((p) => [p.semantic_weight, p.visual_weight])).toEqual([
      [0, 1],
      [0.25, 0.75],
      [0.5, 0.5],
      [0.75, 0.25],
      [1, 0],
    ]);
    expect(result.by_threshold.map((p) => p.confidence_threshold)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(result.current).toEqual({ fusion: 'weighted', semantic_weight: 0.5, confidence_threshold: 0.5 });
  });

  it('threshold 0 never asks for confirmation, threshold 1 always does', async () => {
    expect(result.by_threshold[0]!.needs_confirmation_rate).toBe(0);
    expect(result.by_threshold.at(-1)!.needs_confirmation_rate).toBe(1);
    const rates = result.by_threshold.map((p) => p.needs_confirmation_rate!);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
  });

  it('names the best settings by end-to-end precision@5', async () => {
    const top = Math.max(...result.by_threshold.map((p) => p.precision_at_5!));
    expect(result.best.confidence_threshold!.precision_at_5).toBe(top);
    expect(result.best.weighted!.precision_at_5).toBe(Math.max(...result.by_weight.filter((p) => p.fusion === 'weighted').map((p) => p.precision_at_5!)));
  });

  it('with the calibration, the plot adds the reliability curve as a third panel', async () => {
    const report = await evaluateQueries(catalog, queries, { labelMap: EMPTY_LABEL_MAP });
    const svg = sweepChart(result, 'toy', report.calibration);
    expect(svg).toContain('reliability of the confidence');
    expect(svg).toContain('perfectly calibrated');
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    expect((await sharp(png).metadata()).width).toBe(1620);
  });

  it('plots to a standalone SVG that renders, and the table prints', async () => {
    const svg = sweepChart(result, 'toy <sweep> & co');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('toy &lt;sweep&gt; &amp; co');
    expect(svg.match(/<path /g)!.length).toBeGreaterThanOrEqual(7);
    expect(svg).toContain('needs_confirmation rate');
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    expect((await sharp(png).metadata()).width).toBe(1080);

    const report = await evaluateQueries(catalog, queries, { labelMap: EMPTY_LABEL_MAP });
    const { queries: _n, ...metrics } = report;
    const output: EvalOutput = {
      queries: 7,
      unreadable: 1,
      ...metrics,
      sweep: { ...result, plot: '/tmp/x.svg' },
      setup: {
        queries_dir: '/q',
        every: 1,
        labels: '/q/styles.csv',
        label_column: 'articleType',
        label_map: {},
        artifacts: '/a',
        build_id: 'abcdef0123456789',
        products: 5,
        categories: 2,
        fusion: 'weighted',
        weights: { semantic: 0.5, visual: 0.5 },
        confidence_threshold: 0.5,
        framing: 'squash',
        created_at: '2026-01-01T00:00:00Z',
      },
      definitions: DEFINITIONS,
      unreadable_files: [{ file: 'bad.jpg', reason: 'bad.jpg: cannot read this image' }],
    };
    const table = formatTable(output);
    expect(table).toMatch(/7 query photos/);
    expect(table).toMatch(/precision@5 +\d+\.\d%/);
    expect(table).toMatch(/fused_weighted +fused_rrf/);
    expect(table).toMatch(/best by precision@5: weighted w=/);
  });
});
