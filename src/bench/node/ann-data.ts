import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { buildHnsw } from '../../ann/node/env.js';
import type { Progress } from '../../common/shared/progress.js';
import { folderReader, readManifest } from '../../artifacts/node/read.js';
import { fileRecord, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { decodeImage } from '../../imaging/node/decode.js';
import { preprocess } from '../../imaging/shared/preprocess.js';
import { loadIndexEmbedders } from '../../models/node/load.js';
import { decodeMatrix } from '../../vectors/shared/codec.js';
import { normalize } from '../../vectors/shared/vector.js';
import { exactTopK } from '../shared/exact.js';
import { SYNTHETIC_RECIPE, syntheticVectors } from '../shared/synthetic.js';
import { BENCH_CACHE } from './paths.js';
import type { NativeGraph, NativeHnswLib } from './native-hnsw.js';
import { sha256Hex } from '../../common/node/checksum.js';

/** Synthetic vectors sit at this expected cosine from the catalog vector they vary (see syntheticVectors). */
export const SYNTHETIC_COSINE = 0.9;
const DATA_SEED = 4242;

/** The semantic vectors of an artifact set (decoded, unit length) and the HNSW settings it was built with. */
export interface CatalogVectors {
  readonly dir: string;
  readonly manifest: ArtifactManifest;
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
  /** SHA-256 of the semantic vector file: what synthetic sets derived from it are keyed on. */
  readonly sha256: string;
}

export async function readCatalogVectors(dir: string): Promise<CatalogVectors> {
  const manifest = await readManifest(dir);
  const record = manifest.vectors.semantic;
  const file = fileRecord(manifest, record.file);
  const matrix = decodeMatrix(await folderReader(dir)(file), record.encoding, record.rows, record.dim);
  for (let r = 0; r < matrix.rows; r++) matrix.data.set(normalize(matrix.data.subarray(r * matrix.dim, (r + 1) * matrix.dim)), r * matrix.dim);
  return { dir, manifest, rows: matrix.rows, dim: matrix.dim, data: matrix.data, sha256: file.sha256 };
}

export interface AnnDataset {
  /** "demo" for a catalog's own vectors, else the row count. */
  readonly name: string;
  readonly description: string;
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
  readonly queries: Float32Array;
  readonly queryCount: number;
  readonly queryDigest: string;
  readonly m: number;
  readonly efConstruction: number;
  /** Folder for this set's cached graphs and ground truth (keyed by the vectors, not the queries). */
  readonly cacheDir: string;
  /** The catalog's own hnswlib-wasm graph (what the page loads), when this set is a catalog's vectors. */
  readonly artifactGraph: string | null;
}

function key(parts: object): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, 16);
}

/** Query vectors: the semantic embeddings of real query photos, made with the index's own model. */
export interface QueryVectors {
  readonly count: number;
  readonly data: Float32Array;
  readonly source: string;
  /** Content digest: what cached ground truth is keyed on. */
  readonly digest: string;
}

/**
 * Embeds photos (decode, the index's framing, its semantic tower) as the page would embed a shopper's photo, once:
 * cached per index build and photo list.
 */
export async function photoQueries(catalog: CatalogVectors, photos: readonly string[], progress: Progress): Promise<QueryVectors> {
  const { manifest, dim } = catalog;
  const id = key({ build: manifest.buildId, photos: photos.map((p) => basename(p)) });
  const path = join(BENCH_CACHE, 'ann', `queries-${id}.f32`);
  const source = `${photos.length} query photos (${basename(dirname(photos[0] ?? '.'))}/), semantic vectors from the index's ${manifest.models.imageSemantic.model}`;
  if (existsSync(path)) {
    const bytes = await readFile(path);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (data.length === photos.length * dim) return { count: photos.length, data: Float32Array.from(data), source, digest: id };
  }
  const encoders = await loadIndexEmbedders(manifest.models, { threads: 2 });
  const data = new Float32Array(photos.length * dim);
  for (let i = 0; i < photos.length; i++) {
    const image = await decodeImage(new Uint8Array(await readFile(photos[i]!)), basename(photos[i]!));
    const [vector] = await encoders.imageSemantic.embed([preprocess(image, encoders.imageSemantic.spec.preprocess, manifest.index.framing)]);
    data.set(normalize(vector!), i * dim);
    progress.count('embedding query photos', i + 1, photos.length, 'photos');
  }
  await encoders.imageSemantic.release();
  await encoders.visual.release();
  await mkdir(dirname(path), { recursive: true });
  await writeAtomic(path, new Uint8Array(data.buffer));
  return { count: photos.length, data, source, digest: id };
}

export function catalogDataset(catalog: CatalogVectors, queries: QueryVectors): AnnDataset {
  const { manifest } = catalog;
  const graph = manifest.catalogIndex.kind === 'hnsw' ? join(catalog.dir, manifest.catalogIndex.file) : null;
  return {
    name: 'catalog',
    description: `the index's own ${catalog.rows.toLocaleString('en')} semantic vectors (${catalog.dim}-d) and its HNSW graph`,
    rows: catalog.rows,
    dim: catalog.dim,
    data: catalog.data,
    queries: queries.data,
    queryCount: queries.count,
    queryDigest: queries.digest,
    m: manifest.hnsw.m,
    efConstruction: manifest.hnsw.efConstruction,
    cacheDir: join(BENCH_CACHE, 'ann', `catalog-${key({ sha: catalog.sha256, m: manifest.hnsw.m, ef: manifest.hnsw.efConstruction })}`),
    artifactGraph: graph,
  };
}

export function syntheticDataset(catalog: CatalogVectors, rows: number, queries: QueryVectors): AnnDataset {
  const { m, efConstruction } = catalog.manifest.hnsw;
  return {
    name: String(rows),
    description: `${rows.toLocaleString('en')} synthetic ${catalog.dim}-d vectors: catalog vectors varied by Gaussian noise (cosine ≈ ${SYNTHETIC_COSINE} to their source)`,
    rows,
    dim: catalog.dim,
    data: syntheticVectors(catalog.data, catalog.dim, rows, SYNTHETIC_COSINE, DATA_SEED),
    queries: queries.data,
    queryCount: queries.count,
    queryDigest: queries.digest,
    m,
    efConstruction,
    cacheDir: join(BENCH_CACHE, 'ann', `synthetic-${rows}-${key({ recipe: SYNTHETIC_RECIPE, sha: catalog.sha256, rows, m, efConstruction, cosine: SYNTHETIC_COSINE })}`),
    artifactGraph: null,
  };
}

async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.${process.pid}.tmp`, bytes);
  await rename(`${path}.${process.pid}.tmp`, path);
}

interface BuildNote {
  readonly seconds: number;
  readonly builtAt: string;
}

async function readNote(path: string): Promise<BuildNote | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as BuildNote) : null;
}

export interface GraphFile {
  readonly path: string;
  readonly bytes: number;
  /** Build time when the benchmark built it (now or in an earlier run, then cached); null for the artifacts' own. */
  readonly buildSeconds: number | null;
  readonly cached: boolean;
}

/** The hnswlib-wasm graph of a set: the artifacts' own, else built here with the indexer's code, once. */
export async function ensureWasmGraph(set: AnnDataset, progress: Progress): Promise<GraphFile> {
  if (set.artifactGraph) return { path: set.artifactGraph, bytes: statSync(set.artifactGraph).size, buildSeconds: null, cached: true };
  const path = join(set.cacheDir, 'wasm.hnsw');
  const notePath = `${path}.json`;
  const note = await readNote(notePath);
  if (existsSync(path) && note) return { path, bytes: statSync(path).size, buildSeconds: note.seconds, cached: true };
  await mkdir(set.cacheDir, { recursive: true });
  progress.line(`ann ${set.name}: building the hnswlib-wasm graph of ${set.rows.toLocaleString('en')} vectors (once; cached in ${set.cacheDir})…`);
  const started = performance.now();
  const rows = Uint32Array.from({ length: set.rows }, (_, i) => i);
  const bytes = await buildHnsw({ rows: set.rows, dim: set.dim, data: set.data }, rows, { m: set.m, efConstruction: set.efConstruction });
  const seconds = (performance.now() - started) / 1000;
  await writeAtomic(path, bytes);
  await writeAtomic(notePath, JSON.stringify({ seconds, builtAt: new Date().toISOString() } satisfies BuildNote));
  progress.line(`ann ${set.name}: hnswlib-wasm graph built in ${seconds.toFixed(1)} s`);
  return { path, bytes: bytes.byteLength, buildSeconds: seconds, cached: false };
}

/** The hnswlib-node graph of a set, built once (same M and efConstruction) and cached. */
export async function ensureNativeGraph(set: AnnDataset, lib: NativeHnswLib, progress: Progress): Promise<{ graph: NativeGraph; file: GraphFile }> {
  const path = join(set.cacheDir, 'native.hnsw');
  const notePath = `${path}.json`;
  const graph = new lib.HierarchicalNSW('ip', set.dim);
  const note = await readNote(notePath);
  if (existsSync(path) && note) {
    graph.readIndexSync(path);
    if (graph.getCurrentCount() === set.rows) {
      return { graph, file: { path, bytes: statSync(path).size, buildSeconds: note.seconds, cached: true } };
    }
  }
  await mkdir(set.cacheDir, { recursive: true });
  progress.line(`ann ${set.name}: building the hnswlib-node graph of ${set.rows.toLocaleString('en')} vectors (once; cached)…`);
  const fresh = new lib.HierarchicalNSW('ip', set.dim);
  fresh.initIndex(set.rows, set.m, set.efConstruction, 100);
  const started = performance.now();
  for (let r = 0; r < set.rows; r++) {
    fresh.addPoint(Array.from(set.data.subarray(r * set.dim, (r + 1) * set.dim)), r);
    if (r % 1000 === 999 || r === set.rows - 1) progress.count(`hnswlib-node graph ${set.name}`, r + 1, set.rows, 'vectors');
  }
  const seconds = (performance.now() - started) / 1000;
  fresh.writeIndexSync(`${path}.${process.pid}.tmp`);
  await rename(`${path}.${process.pid}.tmp`, path);
  await writeAtomic(notePath, JSON.stringify({ seconds, builtAt: new Date().toISOString() } satisfies BuildNote));
  return { graph: fresh, file: { path, bytes: statSync(path).size, buildSeconds: seconds, cached: false } };
}

/** Exact top-k ids of every query (cached with the set). */
export async function groundTruth(set: AnnDataset, k: number, progress: Progress): Promise<number[][]> {
  const path = join(set.cacheDir, `truth-${set.queryDigest}-${k}.json`);
  if (existsSync(path)) {
    const cached = JSON.parse(await readFile(path, 'utf8')) as number[][];
    if (cached.length === set.queryCount) return cached;
  }
  const truth: number[][] = [];
  for (let q = 0; q < set.queryCount; q++) {
    truth.push(exactTopK(set.data, set.dim, set.queries.subarray(q * set.dim, (q + 1) * set.dim), k).ids);
    if (set.rows >= 100_000) progress.count(`exact top-${k} of ${set.name}`, q + 1, set.queryCount, 'queries');
  }
  await mkdir(set.cacheDir, { recursive: true });
  await writeAtomic(path, JSON.stringify(truth));
  return truth;
}
