import type { IvfCell } from '../../ann/shared/ivf.js';
import type { CodeBits, ResidualCodes } from '../../vectors/shared/quantize.js';
import { ArtifactError } from './format.js';

/**
 * Binary files of the compact layout (little-endian): a cell (the rows of one category, or part of a large one,
 * list by list: vector codes of the three spaces and the products' records) and the router (every inverted list's
 * centroid, so a search picks the lists — and so the cells — it needs before loading any cell).
 */
const CELL_MAGIC = 0x314c4356; // "VCL1"
const ROUTER_MAGIC = 0x31525456; // "VTR1"

/** What the page shows of a product, in a cell (its category is the cell's). */
export interface CellProduct {
  readonly id: string;
  readonly name: string | null;
  readonly color: string | null;
  readonly predictedColor: string;
  /** Photo path relative to the catalog folder. */
  readonly image: string;
  readonly gender: string | null;
}

/** A cell as stored: its inverted lists and codes, and each row's product record. */
export interface CellContent extends IvfCell {
  readonly products: readonly CellProduct[];
}

/** Product names' text vectors are stored as coordinates in this subspace (see vectors/shared/pca.ts). */
export interface TextProjection {
  readonly dim: number;
  readonly d: number;
  readonly mean: Float32Array;
  readonly basis: Float32Array;
}

export interface RouterContent {
  readonly text: TextProjection;
  /** List → its cell, and its number within the cell. */
  readonly listCell: Uint32Array;
  readonly listLocal: Uint32Array;
  /** One rotated centroid per list, 8-bit coded. */
  readonly centroids: ResidualCodes;
}

class Writer {
  private readonly parts: Uint8Array[] = [];

  u32s(values: ArrayLike<number>): this {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i]!, true);
    return this.bytes(out);
  }

  f32s(values: Float32Array): this {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(out);
  }

  bytes(values: Uint8Array | Int8Array): this {
    this.parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return this;
  }

  codes(codes: ResidualCodes): this {
    this.u32s([codes.bits, codes.rows, codes.width]).f32s(codes.centre).f32s(codes.scales).bytes(codes.codes);
    return codes.low ? this.bytes(codes.low) : this;
  }

  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.data.byteLength) throw new ArtifactError(`${this.what} is truncated`);
  }

  u32s(n: number): Uint32Array {
    this.need(n * 4);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getUint32(this.at + i * 4, true);
    this.at += n * 4;
    return out;
  }

  f32s(n: number): Float32Array {
    this.need(n * 4);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat32(this.at + i * 4, true);
    this.at += n * 4;
    return out;
  }

  /** A view of the next n bytes, not a copy: a cell read per search is decoded without copying its codes. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  codes(): ResidualCodes {
    const [bits, rows, width] = this.u32s(3) as unknown as [number, number, number];
    if (bits !== 4 && bits !== 8 && bits !== 9) throw new ArtifactError(`${this.what} holds ${bits}-bit codes`);
    const centre = this.f32s(width);
    const scales = this.f32s(rows);
    const coded = this.bytes(bits === 4 ? (rows * width) / 2 : rows * width);
    const codes = new Int8Array(coded.buffer, coded.byteOffset, coded.byteLength);
    const low = bits === 9 ? this.bytes((rows * width) / 8) : null;
    return { bits: bits as CodeBits, rows, width, centre, scales, codes, low };
  }

  end(): void {
    if (this.at !== this.data.byteLength) throw new ArtifactError(`${this.what} has ${this.data.byteLength - this.at} bytes too many`);
  }
}

export function encodeCell(cell: CellContent): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify(cell.products.map((p) => [p.id, p.name, p.color, p.image, p.gender, ...(p.predictedColor === p.color ? [] : [p.predictedColor])])));
  return new Writer()
    .u32s([CELL_MAGIC, cell.rows, cell.listStarts.length - 1, meta.byteLength])
    .u32s(cell.listStarts)
    .u32s(cell.entries)
    .codes(cell.semantic)
    .codes(cell.visual)
    .codes(cell.text)
    .bytes(meta)
    .done();
}

export function decodeCell(bytes: Uint8Array, what: string): CellContent {
  const reader = new Reader(bytes, what);
  const [magic, rows, lists, metaBytes] = reader.u32s(4) as unknown as [number, number, number, number];
  if (magic !== CELL_MAGIC) throw new ArtifactError(`${what} is not a Vitrine cell file`);
  const listStarts = reader.u32s(lists + 1);
  const entries = reader.u32s(rows);
  const semantic = reader.codes();
  const visual = reader.codes();
  const text = reader.codes();
  const meta = reader.bytes(metaBytes);
  reader.end();
  if ([semantic, visual, text].some((c) => c.rows !== rows) || listStarts[lists] !== rows) {
    throw new ArtifactError(`${what}: its parts disagree on how many rows it holds`);
  }
  let products: CellProduct[] | null = null;
  return {
    rows,
    listStarts,
    semantic,
    visual,
    text,
    entries,
    // Parsed on first use: most cells a search reads are scanned for their codes alone (parsing was most of decoding).
    get products() {
      products ??= decodeProducts(meta, rows, what);
      return products;
    },
  };
}

function decodeProducts(meta: Uint8Array, rows: number, what: string): CellProduct[] {
  let records: [string, string | null, string | null, string, string | null, string?][];
  try {
    records = JSON.parse(new TextDecoder().decode(meta));
  } catch (error) {
    throw new ArtifactError(`${what}: its product records are not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(records) || records.length !== rows) throw new ArtifactError(`${what}: its parts disagree on how many rows it holds`);
  return records.map(([id, name, color, image, gender, predictedColor]) => ({ id, name, color, image, gender, predictedColor: predictedColor ?? color ?? '' }));
}

export function encodeRouter(router: RouterContent): Uint8Array {
  const { text } = router;
  return new Writer()
    .u32s([ROUTER_MAGIC, router.listCell.length, text.dim, text.d])
    .f32s(text.mean)
    .f32s(text.basis)
    .u32s(router.listCell)
    .u32s(router.listLocal)
    .codes(router.centroids)
    .done();
}

export function decodeRouter(bytes: Uint8Array, what: string): RouterContent {
  const reader = new Reader(bytes, what);
  const [magic, lists, dim, d] = reader.u32s(4) as unknown as [number, number, number, number];
  if (magic !== ROUTER_MAGIC) throw new ArtifactError(`${what} is not a Vitrine router file`);
  const text = { dim, d, mean: reader.f32s(dim), basis: reader.f32s(d * dim) };
  const router = { text, listCell: reader.u32s(lists), listLocal: reader.u32s(lists), centroids: reader.codes() };
  reader.end();
  if (router.centroids.rows !== lists) throw new ArtifactError(`${what}: ${router.centroids.rows} centroids for ${lists} lists`);
  return router;
}
