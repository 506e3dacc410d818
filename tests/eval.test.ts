import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANKING_MODES } from '../src/eval/shared/evaluate.js';
import type { EvalOutput } from '../src/eval/shared/report.js';
import { runCli, STACK_LINE } from './helpers/cli.js';
import { DEMO_IMAGES_DIR, demoLabels, QUERY_IMAGES_DIR, buildTestCompactCatalog, TEST_ARTIFACTS_DIR, testCatalogIds } from '../src/index/node/sample-index.js';

const evalCli = (args: readonly string[]) => runCli('eval', args);

let work: string;
let images: string;
// Photos of test-catalog products (ids are catalog ids) and higher-resolution photos of products of its categories.
const catalogIds = [testCatalogIds()[30]!, testCatalogIds()[100]!, testCatalogIds()[200]!];
const hires = [
  ['16107', 'eyewear'], // a foreign label, mapped onto Sunglasses
  ['14037', 'Shirts'],
  ['12333', 'Jeans'],
] as const;
const UNLABELLED = '16993';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vitrine-eval-'));
  images = join(work, 'queries', 'images');
  mkdirSync(images, { recursive: true });
  const categoryOf = new Map(demoLabels().map((r) => [r.id, r.articleType]));
  for (const id of catalogIds) copyFileSync(join(DEMO_IMAGES_DIR, `${id}.jpg`), join(images, `${id}.jpg`));
  for (const [id] of hires) copyFileSync(join(QUERY_IMAGES_DIR, `${id}.jpg`), join(images, `${id}.jpg`));
  copyFileSync(join(QUERY_IMAGES_DIR, `${UNLABELLED}.jpg`), join(images, `${UNLABELLED}.jpg`));
  writeFileSync(join(images, 'broken.jpg'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)));
  // Found by default: styles.csv in the parent of the photos folder.
  const rows = [...catalogIds.map((id) => `${id},${categoryOf.get(id)}`), ...hires.map(([id, label]) => `${id},${label}`)];
  writeFileSync(join(work, 'queries', 'styles.csv'), `id,articleType\n${rows.join('\n')}\n`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run eval (smoke, test index)', () => {
  it('reports the metrics per ranking mode as JSON and a table, and --sweep writes a plot', async () => {
    const out = join(work, 'results', 'eval.json');
    const run = evalCli(['--queries', images, '--artifacts', TEST_ARTIFACTS_DIR, '--label-map', '{"eyewear": ["Sunglasses"]}', '--out', out, '--sweep']);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalOutput;

    for (const key of ['queries', 'category_accuracy', 'precision_at_5', 'precision_at_10', 'exact_recall_at_1', 'exact_recall_at_10', 'confusions']) {
      expect(report).toHaveProperty(key);
    }
    expect(report.queries).toBe(8);
    expect(report.unreadable).toBe(1);
    expect(report.unreadable_files[0]!.file).toBe('broken.jpg');
    expect(report.labelled).toBe(6);
    expect(report.unlabelled).toBe(1);
    expect(report.catalog_id_queries).toBeGreaterThanOrEqual(3);
    expect(report.setup.labels).toBe(join(work, 'queries', 'styles.csv'));
    expect(report.setup.label_map).toEqual({ eyewear: ['Sunglasses'] });

    for (const metric of [report.precision_at_5, report.precision_at_10, report.catalog_wide.precision_at_5]) {
      expect(Object.keys(metric)).toEqual([...RANKING_MODES]);
      for (const m of RANKING_MODES) expect(metric[m]).toBeGreaterThanOrEqual(0.5);
    }
    expect(report.category_accuracy).toBeGreaterThanOrEqual(0.8);
    // A catalog photo used as a query finds its own product first.
    for (const m of RANKING_MODES) {
      expect(report.exact_recall_at_1![m]).toBe(1);
      expect(report.catalog_wide.exact_recall_at_1![m]).toBe(1);
    }
    const eyewear = report.per_query.find((q) => q.id === '16107')!;
    expect(eyewear.label).toBe('eyewear');
    expect(eyewear.predicted_category).toBe('Sunglasses');
    expect(eyewear.category_right).toBe(true);
    expect(report.per_query.find((q) => q.id === UNLABELLED)!.category_right).toBeNull();

    // The table on stdout; the sweep and its plot.
    expect(run.stdout).toMatch(/^precision@5 +\d+\.\d% +\d+\.\d% +\d+\.\d% +\d+\.\d%$/m);
    expect(run.stdout).toContain(`results: ${out}`);
    expect(report.sweep!.by_weight).toHaveLength(22);
    expect(report.sweep!.by_threshold).toHaveLength(21);
    expect(report.sweep!.plot).toBe(join(work, 'results', 'eval.svg'));
    const svg = readFileSync(report.sweep!.plot!, 'utf8');
    expect(svg).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect((await sharp(Buffer.from(svg)).png().toBuffer()).byteLength).toBeGreaterThan(10_000);
  });

  it('--out - prints the JSON on stdout (the table goes to stderr); unknown labels are warned about', () => {
    const labels = join(work, 'other.csv');
    writeFileSync(labels, `file,kind\n14037,shirt\n12333,Jeans\n`);
    const run = evalCli(['--queries', images, '--artifacts', TEST_ARTIFACTS_DIR, '--labels', labels, '--label-column', 'kind', '--out', '-']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as EvalOutput;
    expect(report.labelled).toBe(2);
    expect(report.sweep).toBeUndefined();
    expect(report.by_category.shirt!.precision_at_5.fused_weighted).toBeNull();
    expect(run.stderr).toMatch(/1 labels name no category of this catalog \(shirt\)/);
    expect(run.stderr).toMatch(/category accuracy/);
  });

  it('--ablation measures each technique alone, --every takes a fixed subsample, --cache keeps the embeddings', () => {
    const out = join(work, 'results', 'ablation.json');
    const cache = join(work, 'cache');
    const args = ['--queries', images, '--artifacts', TEST_ARTIFACTS_DIR, '--label-map', '{"eyewear": ["Sunglasses"]}', '--every', '2', '--cache', cache];
    const run = evalCli([...args, '--ablation', '--out', out]);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalOutput;
    expect(report.queries).toBe(4); // 8 photos, every 2nd
    expect(report.setup.every).toBe(2);
    expect(report.ablation!.map((r) => r.techniques.length)).toEqual([0, 1, 1, 1, 1, 4]);
    for (const row of report.ablation!) expect(row.search_ms_p50).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^Ablation \(techniques switched on; the others off\)$/m);
    // The calibration: accuracy when confident, confirmation rate, the reliability curve, and the time per photo.
    expect(report.calibration.reliability).toHaveLength(10);
    expect(report.calibration.reliability.reduce((n, b) => n + b.queries, 0)).toBe(report.labelled);
    expect(report.search_ms.p50).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^reliability +.*expected calibration error/m);
    // Embedded once: a second run reads the photos' vectors from the cache and reports the same figures.
    const again = evalCli([...args, '--out', '-']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/embedding query photos: 4 \/ 4 photos/);
    const second = JSON.parse(again.stdout) as EvalOutput;
    expect(second.category_accuracy).toBe(report.category_accuracy);
    expect(second.precision_at_5).toEqual(report.precision_at_5);
  });

  it('mistakes are one line with the way out, no stack trace', () => {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /^eval: --queries is required \(see --help\)$/],
      [['--queries', join(work, 'nowhere')], 1, /^eval: queries folder .*nowhere does not exist$/],
      [['--queries', images, '--label-map', '{pants: Jeans}'], 2, /^eval: --label-map not valid JSON/],
      [['--queries', images, '--label-map', '{"pants": []}'], 2, /^eval: --label-map "pants" must map to a non-empty list/],
      [['--queries', images, '--label-column', 'colour'], 1, /^eval: labels file .* has no "colour" column .*; pass --label-column <name>$/],
      [['--queries', images, '--labels', join(work, 'none.csv')], 1, /^eval: labels file .*none\.csv does not exist$/],
      [['--queries', images, '--artifacts', join(work, 'none')], 1, /^eval: no artifacts in .* — build them with: npm run build:index$/],
      [['--queries', images, '--every', '0'], 2, /^eval: --every must be a whole number ≥ 1, got "0" \(see --help\)$/],
    ];
    for (const [args, code, message] of cases) {
      const run = evalCli(args);
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stderr.trim(), args.join(' ')).toMatch(message);
      expect(run.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('reads a compact catalog (npm run build:scale) as it reads today\'s layout', async () => {
    const compact = join(work, 'compact');
    await buildTestCompactCatalog(compact, join(work, 'scale-cache'));
    const out = join(work, 'results', 'compact.json');
    const run = evalCli(['--queries', images, '--artifacts', compact, '--label-map', '{"eyewear": ["Sunglasses"]}', '--out', out]);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalOutput;
    expect(report.setup.products).toBe(testCatalogIds().length);
    expect(report.labelled).toBe(6);
    expect(report.category_accuracy).toBeGreaterThanOrEqual(0.8);
    for (const m of RANKING_MODES) expect(report.exact_recall_at_1![m]).toBe(1);
  });

  it('--help prints the usage', () => {
    const run = evalCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run eval -- --queries <dir>/);
    for (const flag of ['--labels', '--label-column', '--label-map', '--artifacts', '--out', '--sweep', '--plot', '--ablation', '--every', '--cache']) expect(run.stdout).toContain(flag);
  });
});
