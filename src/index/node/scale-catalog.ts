import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { folderReader, readManifest } from '../../artifacts/node/read.js';
import { fileRecord, type ArtifactManifest, type Product, type VectorSetRecord } from '../../artifacts/shared/format.js';
import { sha256Hex } from '../../common/node/checksum.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import type { Progress } from '../../common/shared/progress.js';
import { PRODUCT_VARIANTS } from '../../imaging/shared/augment.js';
import { decodeMatrix } from '../../vectors/shared/codec.js';
import { sampleIndices, seededRandom } from '../../vectors/shared/random.js';
import { normalize, row, type Matrix } from '../../vectors/shared/vector.js';
import { EmbedPool } from './embed-pool.js';
import { EmbeddingCache } from './embedding-cache.js';
import { EMBEDDING_RECIPE } from './recipe.js';

/** Above the real rows, a derived vector keeps this expected cosine with the real one it comes from. */
export const DERIVED_COSINE = 0.92;

/** One product of a scale catalog: its vectors (unit length) and what the page shows. */
export interface ScaleRow {
  readonly id: string;
  /** The base product (demo catalog) whose photo, name and category it shares. */
  readonly base: number;
  readonly variant: number;
  readonly category: string;
  readonly semantic: Float32Array;
  readonly visual: Float32Array;
  readonly text: Float32Array;
}

/**
 * A catalog of any size made from a built one (the demo index) and its photos. Row i is variant ⌊i / B⌋ of base
 * product i mod B (B base products): variant 0 is the product itself, variants 1…8 are PRODUCT_VARIANTS of its photo
 * embedded by the real encoders (so 44,417 rows are all real), and rows past the real ones are derived: a real row
 * of the same base product moved by seeded noise (cosine DERIVED_COSINE), the same for every run, never stored.
 */
export class ScaleCatalog {
  private constructor(
    readonly baseManifest: ArtifactManifest,
    readonly baseProducts: readonly Product[],
    private readonly semantic: Matrix,
    private readonly visual: Matrix,
    private readonly text: Matrix,
    private readonly cache: EmbeddingCache,
    private readonly shas: readonly string[],
    readonly catalogDir: string,
    readonly baseDir: string,
  ) {}

  static async open(baseDir: string, catalogDir: string, cacheDir: string): Promise<ScaleCatalog> {
    const manifest = await readManifest(baseDir);
    const read = folderReader(baseDir);
    const products = JSON.parse(new TextDecoder().decode(await read(fileRecord(manifest, manifest.products)))) as Product[];
    // Entries 0…products−1 are the products' own photos (augmented copies of a base build come after them).
    const unit = async (record: VectorSetRecord): Promise<Matrix> => {
      const m = decodeMatrix(await read(fileRecord(manifest, record.file)), record.encoding, record.rows, record.dim);
      for (let r = 0; r < m.rows; r++) m.data.set(normalize(row(m, r)), r * m.dim);
      return m;
    };
    const shas = await Promise.all(products.map(async (p) => sha256Hex(new Uint8Array(await readFile(join(catalogDir, p.image))))));
    const { imageSemantic, visual } = manifest.models;
    // Keyed like the build's cache (models, recipe, framing) plus the variants: a rerun embeds only what is missing.
    const cache = EmbeddingCache.open(
      cacheDir,
      { recipe: EMBEDDING_RECIPE, imageSemantic: [imageSemantic.spec, imageSemantic.files], visual: [visual.spec, visual.files], productVariants: PRODUCT_VARIANTS.map((v) => v.name), framing: manifest.index.framing },
      { semantic: imageSemantic.spec.dim, visual: visual.spec.dim },
    );
    return new ScaleCatalog(manifest, products, await unit(manifest.vectors.semantic), await unit(manifest.vectors.visual), await unit(manifest.vectors.text), cache, shas, catalogDir, baseDir);
  }

  get baseCount(): number {
    return this.baseProducts.length;
  }

  /** How many rows real encoders can give: every product variant of every base photo. */
  get realCapacity(): number {
    return this.baseCount * PRODUCT_VARIANTS.length;
  }

  /** Rows 0…n−1 whose vectors are all embedded (row 0…B−1 come from the base index). */
  realRowsReady(): number {
    for (let i = this.baseCount; i < this.realCapacity; i++) if (!this.cached(i)) return i;
    return this.realCapacity;
  }

  private cached(i: number) {
    return this.cache.get(this.shas[i % this.baseCount]!, Math.floor(i / this.baseCount));
  }

  /**
   * Embeds the variant rows below `rows` that the cache lacks, in row order, until `deadline` (ms since the epoch):
   * stopped at any point (deadline, kill), a rerun carries on from the cache. Returns the rows now ready.
   */
  async embedVariants(rows: number, { workers, deadline, progress }: { workers: number; deadline: number; progress: Progress }): Promise<number> {
    const wanted = Math.min(rows, this.realCapacity);
    const todo: number[] = [];
    for (let i = this.baseCount; i < wanted; i++) if (!this.cached(i)) todo.push(i);
    if (todo.length === 0) return this.realRowsReady();
    const { profile, index } = this.baseManifest;
    const pool = await EmbedPool.start({ profile, assetsDir: ASSETS_DIR, augmentCopies: 0, framing: index.framing, workers });
    const started = performance.now();
    let done = 0;
    let next = 0;
    try {
      const lane = async () => {
        while (next < todo.length && Date.now() < deadline) {
          const i = todo[next++]!;
          const base = i % this.baseCount;
          const variant = Math.floor(i / this.baseCount);
          const product = this.baseProducts[base]!;
          const bytes = new Uint8Array(await readFile(join(this.catalogDir, product.image)));
          const reply = await pool.embed(bytes, product.image, variant);
          if (!reply.ok) throw new Error(`cannot embed ${product.image} (${PRODUCT_VARIANTS[variant]!.name}): ${reply.error}`);
          this.cache.put(this.shas[base]!, variant, reply.semantic, reply.visual);
          progress.count('embedding product variants', ++done, todo.length, 'images');
        }
      };
      await Promise.all(Array.from({ length: workers * 2 }, lane));
    } finally {
      await pool.close();
    }
    const seconds = (performance.now() - started) / 1000;
    progress.line(`embedded ${done} of ${todo.length} variant images in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(2)} images/s)`);
    return this.realRowsReady();
  }

  /** Row i; rows at or past `realRows` are derived (seeded by i, so every run gives the same vectors). */
  row(i: number, realRows: number): ScaleRow {
    const base = i % this.baseCount;
    const product = this.baseProducts[base]!;
    const id = i < this.baseCount ? product.id : `${product.id}-${i}`;
    if (i < realRows) {
      const variant = Math.floor(i / this.baseCount);
      const vectors = variant === 0 ? { semantic: row(this.semantic, base), visual: row(this.visual, base) } : this.cached(i);
      if (!vectors) throw new Error(`row ${i} is not embedded yet`);
      return { id, base, variant, category: product.category, semantic: vectors.semantic, visual: vectors.visual, text: row(this.text, base) };
    }
    // Derived from a real row of the same base product, so it stays within that product's category.
    const from = this.row(base + this.baseCount * (Math.floor(i / this.baseCount) % Math.max(1, Math.floor(realRows / this.baseCount))), realRows);
    const random = seededRandom(0x5ca1e ^ Math.imul(i, 0x9e3779b1));
    return { ...from, id, variant: -1, semantic: perturb(from.semantic, random), visual: perturb(from.visual, random), text: perturb(from.text, random) };
  }

  /**
   * The scale bench's queries for a catalog of the first `size` rows: `count` rows it does not hold, the same on every
   * run — real variants past it when there are any, else derived rows past it.
   */
  queriesPast(size: number, realRows: number, count: number): ScaleRow[] {
    const heldOut = Math.max(0, realRows - size);
    return sampleIndices(heldOut > 0 ? heldOut : size, count, 11).map((i) => this.row(size + i, realRows));
  }

  close(): void {
    this.cache.close();
  }
}

/** `v` moved by isotropic Gaussian noise sized for an expected cosine of DERIVED_COSINE, renormalised. */
function perturb(v: Float32Array, random: () => number): Float32Array {
  const sigma = Math.sqrt((1 / (DERIVED_COSINE * DERIVED_COSINE) - 1) / v.length);
  const out = new Float32Array(v.length);
  for (let j = 0; j < v.length; j++) {
    const u = 1 - random();
    out[j] = v[j]! + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return normalize(out);
}
