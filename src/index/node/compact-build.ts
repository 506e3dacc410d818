import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { buildIvfCell, ROWS_PER_LIST } from '../../ann/shared/ivf.js';
import { kmeans } from '../../ann/shared/kmeans.js';
import { decodeCell, encodeCell, encodeRouter } from '../../artifacts/shared/cells.js';
import { COMPACT_FORMAT, COMPACT_STATS_FILE, COMPACT_VERSION, type CellRecord, type CompactManifest } from '../../artifacts/shared/compact.js';
import { fileRecord, MANIFEST_FILE, type ArtifactFile } from '../../artifacts/shared/format.js';
import { categoryKey, categorySlug } from '../../catalog/shared/taxonomy.js';
import { sha256Hex } from '../../common/node/checksum.js';
import type { Progress } from '../../common/shared/progress.js';
import { principalSubspace, projectOnto, type PrincipalSubspace } from '../../vectors/shared/pca.js';
import { decodeRow, encodeResiduals, meanRow } from '../../vectors/shared/quantize.js';
import { sampleIndices } from '../../vectors/shared/random.js';
import { RandomRotation } from '../../vectors/shared/rotation.js';
import { measureCatalogLikeness } from '../../search/shared/likeness.js';
import { SEED } from './build.js';
import { runCompactGates, type CompactQuality } from './compact-gates.js';
import { publish, reject } from './publish.js';
import type { ScaleCatalog } from './scale-catalog.js';

/** Rows of one cell at most: a large category is split (k-means) into cells of about this size. */
export const MAX_CELL_ROWS = 4096;
const ROTATION_SEED = 20261202;
/**
 * Width of the product names' principal subspace. The mini text tower's name vectors hold 99.97 % of their variance
 * in 128 dimensions (the build reports the share); 8-bit codes there cost 132 bytes against 516 for the full width.
 */
export const TEXT_DIMS = 128;
const PCA_SAMPLE = 8192;

export interface CompactBuildResult {
  readonly manifest: CompactManifest;
  readonly bytes: { readonly total: number; readonly perProduct: number; readonly largestFile: number };
  readonly seconds: number;
  readonly productsPerSecond: number;
  readonly cellsReused: number;
  readonly quality: CompactQuality;
  /** Where a catalog whose gates failed was set aside (nothing was published); null when it was published. */
  readonly rejectedTo: string | null;
}

/**
 * Writes the first `size` rows of a scale catalog in the compact layout, one category at a time (memory: the
 * largest category's vectors). Cells go into a work folder beside `outDir` as they are finished (each file written
 * then renamed, so one that exists is whole); an interrupted build run again with the same inputs reuses them. The
 * router is computed from the cells as written, the quality gates run on what was written, then the folder is swapped
 * in whole (or, when a gate fails, set aside beside it).
 */
export async function buildCompactCatalog(
  catalog: ScaleCatalog,
  {
    size,
    realRows,
    outDir,
    progress,
    maxCellRows = MAX_CELL_ROWS,
    exactBelow = catalog.baseManifest.index.exactBelow,
  }: { size: number; realRows: number; outDir: string; progress: Progress; maxCellRows?: number; exactBelow?: number },
): Promise<CompactBuildResult> {
  const started = performance.now();
  const base = catalog.baseManifest;
  const dim = base.models.imageSemantic.spec.dim;
  const rotation = new RandomRotation(dim, ROTATION_SEED);
  const width = rotation.width;
  const synthetic = size > realRows;
  // Same inputs, same work folder: a rerun after an interruption finds the cells already written.
  const inputs = sha256Hex(JSON.stringify({ base: base.buildId, size, real: Math.min(size, realRows), ROTATION_SEED, maxCellRows, ROWS_PER_LIST, TEXT_DIMS, COMPACT_VERSION })).slice(0, 12);
  const work = join(dirname(outDir), `.${basename(outDir)}.work-${inputs}`);
  await mkdir(join(work, 'cells'), { recursive: true });

  const rowsByCategory = new Map<string, { name: string; rows: number[] }>();
  for (let i = 0; i < size; i++) {
    const name = catalog.baseProducts[i % catalog.baseCount]!.category;
    const key = categoryKey(name);
    const entry = rowsByCategory.get(key) ?? rowsByCategory.set(key, { name, rows: [] }).get(key)!;
    entry.rows.push(i);
  }
  const text = principalSubspace(
    (() => {
      const picks = sampleIndices(size, PCA_SAMPLE, 5);
      const data = new Float32Array(picks.length * dim);
      picks.forEach((i, n) => data.set(catalog.row(i, realRows).text, n * dim));
      return data;
    })(),
    Math.min(size, PCA_SAMPLE),
    dim,
    TEXT_DIMS,
  );
  progress.line(`product names: ${TEXT_DIMS} principal dimensions hold ${(text.captured * 100).toFixed(2)} % of their variance`);
  const textRotation = new RandomRotation(TEXT_DIMS, ROTATION_SEED);
  const categories = [...rowsByCategory.values()].sort((a, b) => b.rows.length - a.rows.length || (a.name < b.name ? -1 : 1));

  const cells: CellRecord[] = [];
  const files: ArtifactFile[] = [];
  const centroids: Float32Array[] = [];
  const listCell: number[] = [];
  const listLocal: number[] = [];
  let reused = 0;
  let done = 0;
  const categoryRecords: CompactManifest['categories'][number][] = [];
  for (const { name, rows } of categories) {
    const count = Math.ceil(rows.length / maxCellRows);
    const slug = categorySlug(name);
    const paths = Array.from({ length: count }, (_, c) => `cells/${slug}-${c}.cell`);
    let parts: number[][] | null = null;
    const cellIndices: number[] = [];
    for (let c = 0; c < count; c++) {
      const path = paths[c]!;
      const full = join(work, path);
      let bytes: Uint8Array;
      if (existsSync(full)) {
        bytes = new Uint8Array(await readFile(full));
        reused++;
      } else {
        parts ??= splitCategory(catalog, rows, count, maxCellRows, realRows, rotation);
        bytes = writeCell(catalog, parts[c]!, realRows, rotation, text, textRotation);
        await writeFile(`${full}.partial`, bytes);
        await rename(`${full}.partial`, full);
      }
      const content = decodeCell(bytes, path);
      const lists = content.listStarts.length - 1;
      for (let l = 0; l < lists; l++) {
        // The router's centroid of a list: the mean of its rows as stored.
        const from = content.listStarts[l]!;
        const to = content.listStarts[l + 1]!;
        const mean = new Float32Array(width);
        for (let r = from; r < to; r++) {
          const v = decodeRow(content.semantic, r);
          for (let j = 0; j < width; j++) mean[j]! += v[j]! / (to - from);
        }
        centroids.push(mean);
        listCell.push(cells.length);
        listLocal.push(l);
      }
      cellIndices.push(cells.length);
      cells.push({ file: path, category: name, rows: content.rows, lists });
      files.push({ path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
      done += content.rows;
      progress.count('compact cells', done, size, 'products');
    }
    categoryRecords.push({ name, products: rows.length, cells: cellIndices });
  }

  const centroidData = new Float32Array(centroids.length * width);
  centroids.forEach((c, i) => centroidData.set(c, i * width));
  const router = encodeRouter({
    text: { dim, d: TEXT_DIMS, mean: text.mean, basis: text.basis },
    listCell: Uint32Array.from(listCell),
    listLocal: Uint32Array.from(listLocal),
    centroids: encodeResiduals(centroidData, centroids.length, width, meanRow(centroidData, centroids.length, width), 8),
  });
  await writeFile(join(work, 'router.bin'), router);
  files.push({ path: 'router.bin', bytes: router.byteLength, sha256: sha256Hex(router) });
  const promptsFile = fileRecord(base, base.prompts.vectors.file);
  const baseDir = catalog.baseDir;
  await mkdir(join(work, dirname(promptsFile.path)), { recursive: true });
  await writeFile(join(work, promptsFile.path), await readFile(join(baseDir, promptsFile.path)));
  files.push(promptsFile);

  progress.line(`measuring the catalog's likeness: 500 sampled products against all ${size.toLocaleString('en-US')}`);
  // The nearest-neighbour yardstick is this catalog's own: variants of a product sit closer than the base's products.
  const catalogLikeness = measureCatalogLikeness(size, (i) => catalog.row(i, realRows).semantic, SEED);
  const buildId = sha256Hex([...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.path} ${f.sha256}`).join('\n')).slice(0, 16);
  const manifest: CompactManifest = {
    format: COMPACT_FORMAT,
    version: COMPACT_VERSION,
    buildId,
    createdAt: new Date().toISOString(),
    profile: base.profile,
    models: base.models,
    synthetic,
    realProducts: Math.min(size, realRows),
    counts: { products: size, cells: cells.length, lists: centroids.length },
    compact: { rotationSeed: ROTATION_SEED, rowsPerList: ROWS_PER_LIST, maxCellRows, probes: 16, shortlist: 64 },
    router: 'router.bin',
    cells,
    categories: categoryRecords,
    prompts: base.prompts,
    calibration: { ...base.calibration, catalogLikeness },
    search: base.search,
    framing: base.index.framing,
    exactBelow,
    files,
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
  await writeFile(join(work, MANIFEST_FILE), manifestBytes);
  const total = files.reduce((n, f) => n + f.bytes, 0) + manifestBytes.byteLength;
  const seconds = (performance.now() - started) / 1000;
  progress.line('quality gates: sampled products searched through the written cells, and recall against an exact scan');
  const quality = await runCompactGates(work, size, (i) => catalog.row(i, realRows), SEED);
  const passed = quality.gates.every((g) => g.passed);
  const result: CompactBuildResult = {
    manifest,
    bytes: { total, perProduct: Math.round(total / size), largestFile: Math.max(...files.map((f) => f.bytes)) },
    seconds,
    productsPerSecond: (size - reusedRows(cells, reused)) / seconds,
    cellsReused: reused,
    quality,
    rejectedTo: null,
  };
  await writeFile(join(work, COMPACT_STATS_FILE), JSON.stringify({ ...result, manifest: undefined, products: size, synthetic, realProducts: manifest.realProducts, catalog: resolve(catalog.catalogDir), base: base.buildId }, null, 1));
  // A catalog that fails its gates is set aside: the previous one (if any) stays in place.
  if (!passed) return { ...result, rejectedTo: await reject(work, outDir) };
  await publish(work, outDir);
  await rm(work, { recursive: true, force: true });
  return result;
}

/** Rows in the cells a rerun found already written (they cost no work): the first `reused` cells built. */
function reusedRows(cells: readonly CellRecord[], reused: number): number {
  return reused === 0 ? 0 : cells.slice(0, reused).reduce((n, c) => n + c.rows, 0);
}

/**
 * A category's rows in `count` groups of similar products, none above `capacity`: k-means on the rotated semantic
 * vectors, then each row goes to its nearest group with room, the rows whose nearest group is clearest first.
 */
function splitCategory(catalog: ScaleCatalog, rows: readonly number[], count: number, capacity: number, realRows: number, rotation: RandomRotation): number[][] {
  if (count === 1) return [[...rows]];
  const width = rotation.width;
  const data = new Float32Array(rows.length * width);
  rows.forEach((i, j) => data.set(rotation.apply(catalog.row(i, realRows).semantic), j * width));
  const { centroids } = kmeans(data, rows.length, width, count, { seed: rows[0]! + 1, iterations: 8 });
  const scores = rows.map((_, j) => {
    const s = Array.from({ length: count }, (_, c) => {
      let d = 0;
      for (let k = 0; k < width; k++) d += (data[j * width + k]! - centroids[c * width + k]!) ** 2;
      return -d;
    });
    const order = s.map((_, c) => c).sort((a, b) => s[b]! - s[a]!);
    return { j, order, margin: s[order[0]!]! - s[order[1]!]! };
  });
  const parts: number[][] = Array.from({ length: count }, () => []);
  for (const { j, order } of scores.sort((a, b) => b.margin - a.margin || a.j - b.j)) {
    parts[order.find((c) => parts[c]!.length < capacity)!]!.push(rows[j]!);
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}

function writeCell(catalog: ScaleCatalog, rows: readonly number[], realRows: number, rotation: RandomRotation, names: PrincipalSubspace, nameRotation: RandomRotation): Uint8Array {
  const width = rotation.width;
  const textWidth = nameRotation.width;
  const semantic = new Float32Array(rows.length * width);
  const visual = new Float32Array(rows.length * width);
  const text = new Float32Array(rows.length * textWidth);
  const records = new Map<number, { id: string; base: number }>();
  rows.forEach((i, j) => {
    const r = catalog.row(i, realRows);
    records.set(i, { id: r.id, base: r.base });
    semantic.set(rotation.apply(r.semantic), j * width);
    visual.set(rotation.apply(r.visual), j * width);
    text.set(nameRotation.apply(projectOnto(names, r.text, true)), j * textWidth);
  });
  const cell = buildIvfCell(semantic, visual, text, Uint32Array.from(rows), width, { seed: rows[0]! + 7, textWidth });
  const products = Array.from(cell.entries, (i) => {
    const { id, base } = records.get(i)!;
    const p = catalog.baseProducts[base]!;
    return { id, name: p.name, color: p.color, predictedColor: p.predictedColor, image: p.image, gender: p.gender };
  });
  return encodeCell({ ...cell, products });
}
