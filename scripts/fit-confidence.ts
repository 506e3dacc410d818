/**
 * Refits the confidence model of config/search.json (search.confidenceModel): the logistic model that turns what the
 * policy reads of a photo (its best guess's share, how catalog-like it is, whether prompts and neighbours agree) into
 * the probability that the category is right. Near-identical photos are left out: the rule decides them.
 *
 * Each labelled photo set is split in two halves by a seeded shuffle: the model is fitted on the first halves (pooled),
 * and every figure printed is measured on the second halves, which the fit never saw. Then pick the threshold
 * (search.confidenceThreshold) from the printed table, rebuild the index (the build bakes the configuration in) and
 * check with npm run eval.
 *
 *   npx tsx scripts/fit-confidence.ts [--artifacts artifacts/demo] [--write]
 *        [--set <queries dir>,<labels csv>,<label column>[,<label map json>]] …
 *
 * Default sets: the shoppers' photos and the higher-resolution catalog-style photos `npm run setup` fetches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSearchDefaults } from '../src/artifacts/node/config.js';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { SILENT_PROGRESS } from '../src/common/shared/progress.js';
import { embedQueryPhotos, findQueryPhotos, readQueryLabels } from '../src/eval/node/queries.js';
import { openQueryCache } from '../src/eval/node/run.js';
import { withSearchConfig } from '../src/eval/shared/evaluate.js';
import { fitConfidenceModel, thresholdOutcome, type ConfidenceExample } from '../src/eval/shared/fit-confidence.js';
import { EMPTY_LABEL_MAP, labelJudge, parseLabelMapText } from '../src/eval/shared/labels.js';
import { loadIndexEmbedders } from '../src/models/node/load.js';
import { assessPhoto } from '../src/search/shared/certainty.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { catalogSource } from '../src/search/shared/source.js';
import { sampleIndices } from '../src/vectors/shared/random.js';

const SPLIT_SEED = 12;
const THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
const QUERIES = join(PROJECT_ROOT, 'assets/queries');
const DEFAULT_SETS = [
  `${QUERIES}/clothing-dataset-small-train/images,${QUERIES}/clothing-dataset-small-train/labels.csv,label,${QUERIES}/clothing-dataset-small-train/label-map.json`,
  `${QUERIES}/fashion-product-images-hires/images,${QUERIES}/fashion-product-images-hires/styles.csv,articleType`,
];

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string', default: join(PROJECT_ROOT, 'artifacts/demo') },
    set: { type: 'string', multiple: true },
    write: { type: 'boolean', default: false },
  },
});
const catalog = await openCatalogDir(values.artifacts);
const { manifest } = catalog;
// The search parameters of config/search.json (which a rebuild bakes in), not those the index was built with.
const config = { ...loadSearchDefaults().search, confidenceModel: null };
const source = withSearchConfig(catalogSource(catalog), config);
const embedders = await loadIndexEmbedders(manifest.models);
const cache = openQueryCache(join(PROJECT_ROOT, '.cache/query-embeddings'), manifest.models, manifest.index.framing);

const sets: { name: string; fit: ConfidenceExample[]; held: ConfidenceExample[] }[] = [];
for (const spec of values.set ?? DEFAULT_SETS) {
  const [dir, labelsPath, column, mapPath] = spec.split(',');
  if (!dir || !labelsPath || !column) throw new Error(`--set wants <queries dir>,<labels csv>,<label column>[,<label map>], got "${spec}"`);
  const labels = await readQueryLabels(labelsPath, column);
  const judge = labelJudge(mapPath ? parseLabelMapText(readFileSync(mapPath, 'utf8')) : EMPTY_LABEL_MAP);
  const { embedded } = await embedQueryPhotos(embedders, await findQueryPhotos(dir), manifest.index.framing, SILENT_PROGRESS, { cache });
  const examples: ConfidenceExample[] = [];
  for (const { photo, vectors } of embedded) {
    const label = labels.byId.get(photo.stem)?.category;
    if (label === undefined) continue;
    const assessment = await assessPhoto(source, vectors, config);
    if (assessment.features === null) continue; // near-identical: decided by the rule, not the model
    examples.push({ features: assessment.features, right: judge(label, assessment.guesses[0]!.category) });
  }
  const order = sampleIndices(examples.length, examples.length, SPLIT_SEED);
  const half = Math.floor(order.length / 2);
  sets.push({ name: dir, fit: order.slice(0, half).map((i) => examples[i]!), held: order.slice(half).map((i) => examples[i]!) });
}
cache.close();

const model = fitConfidenceModel(sets.flatMap((s) => s.fit));
console.log(`confidence model (fitted on ${sets.map((s) => s.fit.length).join(' + ')} photos): ${JSON.stringify(model)}`);
for (const s of sets) {
  console.log(`\n${s.name}: ${s.held.length} held-out photos (near-identical ones left out), ${((100 * s.held.filter((e) => e.right).length) / s.held.length).toFixed(1)} % right`);
  console.log('  threshold  needs_confirmation  accuracy when confident');
  for (const t of THRESHOLDS) {
    const o = thresholdOutcome(s.held, model, t);
    const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
    console.log(`  ${t.toFixed(2).padStart(9)}  ${pct(o.needs_confirmation_rate).padStart(18)}  ${pct(o.accuracy_when_confident).padStart(23)}`);
  }
}
if (values.write) {
  const path = join(PROJECT_ROOT, 'config/search.json');
  const text = readFileSync(path, 'utf8');
  const json = JSON.parse(text) as { search: Record<string, unknown> };
  json.search.confidenceModel = model;
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwritten to ${path}: rebuild the index to bake it in`);
}
