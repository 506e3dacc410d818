import { DOTS_WASM_BASE64 } from './wasm/dots-wasm.js';

/**
 * Dot products of a float32 query with rows of int8 codes (summed exactly in integers, the query rounded to 16-bit
 * integers) and with rows of bits, computed by WASM SIMD128 kernels (wasm/dots.wat): the scans of
 * the compact index (router centroids, inverted lists, second-signal rows, the 9-bit re-rank), the same in Node and
 * the page.
 *
 * A query is prepared once (`kernelQuery`) for every scan it takes part in: a search scans dozens of lists with
 * one query, and comparing each call's query with the last one's took about 6 % of a search's time.
 *
 * Codes reach WASM memory in one of two ways. Code sets read again and again (the router's centroids, the codes
 * of a cell its store holds) are placed there once (`placeCodes`) and read in place, listed rows included; they
 * are freed by `releaseCodes` (a cell evicted from its store) or, failing that, once their JS array is garbage
 * collected. Anything else is copied per call into a scratch block, with the results.
 */
export interface DotKernel {
  /** Σ_j query[j] · codes[r·width + j] for rows first … first + rows − 1; a view valid until the next call. */
  rowDots(query: KernelQuery, codes: Int8Array, width: number, first: number, rows: number): Float64Array;
  /** The same for the listed rows, in their order. */
  rowDotsAt(query: KernelQuery, codes: Int8Array, width: number, rows: ArrayLike<number>): Float64Array;
  /** Σ_j query[j] · (bit j of row r) for the listed rows, rows of `width` bits (LSB first); a view as above. */
  bitDotsAt(query: KernelQuery, bits: Uint8Array, width: number, rows: ArrayLike<number>): Float32Array;
  /** Σ_j query[j] · rows[r·width + j] in float32 arithmetic, for every row of `rows`; a view as above. */
  floatDots(query: Float32Array, rows: Float32Array, width: number): Float64Array;
  /**
   * Copies a code set (or bit rows, or float rows) into WASM memory once, so later scans read it in place; a no-op
   * when already there, or when WASM memory cannot grow further (scans then copy the rows they need).
   */
  placeCodes(codes: PlacedRows): void;
  releaseCodes(codes: PlacedRows): void;
  /** WASM memory in bytes (it grows, and never shrinks, to the most ever held at once). */
  memoryBytes(): number;
}

/** What can be placed in WASM memory. */
type PlacedRows = Int8Array | Uint8Array | Float32Array;

/**
 * A query as the kernels read it: its values (a copy, so that it cannot change under them) and round(query · S) in
 * 16-bit integers, S bringing the largest coordinate to the most that keeps every 32-bit sum of `width` products
 * with int8 codes from overflowing (32,767 up to 512 coordinates). A coordinate is then off by at most half of 1/S:
 * about 2·10⁻⁶ of a rotated unit query's largest, a hundred times below what the 8-bit codes themselves lose. (Two
 * limbs a coordinate gave float32's precision at twice the work: the scans are most of a search.)
 */
export interface KernelQuery {
  readonly values: Float32Array;
  readonly ints: Int16Array;
  /** 1 / S. */
  readonly step: number;
}

export function kernelQuery(query: Float32Array): KernelQuery {
  const width = query.length;
  const top = Math.min(32_767, Math.floor((2 ** 31 - 1) / (128 * Math.max(1, width))));
  if (top < MIN_QUERY_LEVELS) throw new RangeError(`rows of ${width} codes are too wide for the integer kernel`);
  let largest = 0;
  for (let j = 0; j < width; j++) largest = Math.max(largest, Math.abs(query[j]!));
  const scale = largest > 0 ? top / largest : 0;
  const ints = new Int16Array(width);
  for (let j = 0; j < width; j++) ints[j] = Math.round(query[j]! * scale);
  return { values: query.slice(), ints, step: scale > 0 ? 1 / scale : 0 };
}

const ALIGN = 16;
/** The least largest query integer accepted (13 bits): wider rows would round the query more coarsely. */
const MIN_QUERY_LEVELS = 8_191;
const PAGE = 65_536;

interface Block {
  at: number;
  size: number;
}

/** First-fit allocation of WASM memory in 16-byte-aligned blocks; freed blocks are merged with free neighbours. */
class Heap {
  /** Free blocks below `top`, by address. */
  private readonly free: Block[] = [];
  private top = 0;

  constructor(private readonly memory: WebAssembly.Memory) {}

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const fit = this.free.findIndex((b) => b.size >= size);
    if (fit >= 0) {
      const block = this.free[fit]!;
      const at = block.at;
      if (block.size === size) this.free.splice(fit, 1);
      else Object.assign(block, { at: at + size, size: block.size - size });
      return at;
    }
    const at = this.top;
    const short = at + size - this.memory.buffer.byteLength;
    // Throws a RangeError, with nothing allocated, when the memory cannot grow (4 GB at most).
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
    this.top = at + size;
    return at;
  }

  release(at: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let i = this.free.findIndex((b) => b.at > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { at, size });
    const next = this.free[i + 1];
    if (next && at + size === next.at) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const previous = this.free[i - 1];
    if (previous && previous.at + previous.size === at) {
      previous.size += this.free[i]!.size;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.size === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function createDotKernel(): DotKernel {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(DOTS_WASM_BASE64)));
  const memory = instance.exports.memory as WebAssembly.Memory;
  /** (query, 1 / its scale, rows, width, count, out): `count` rows one after another from `rows`. */
  type Kernel = (query: number, scale: number, rows: number, width: number, count: number, out: number) => void;
  /** (query, 1 / its scale, rows, width, at, count, out): the rows numbered by the `count` uint32 at `at`. */
  type ListedKernel = (query: number, scale: number, rows: number, width: number, at: number, count: number, out: number) => void;
  const dots = instance.exports.dots as Kernel;
  const dotsAt = instance.exports.dots_at as ListedKernel;
  const bitTable = instance.exports.bit_table as (query: number, width: number, table: number) => void;
  const bitDotsAt = instance.exports.bit_dots_at as (table: number, bits: number, width: number, at: number, count: number, out: number) => void;
  const floatDots = instance.exports.float_dots as (query: number, rows: number, width: number, count: number, out: number) => void;
  const heap = new Heap(memory);
  const placed = new WeakMap<PlacedRows, Block>();
  const collected = new FinalizationRegistry<Block>((block) => heap.release(block.at, block.size));
  let scratch: Block = { at: heap.alloc(PAGE), size: PAGE };

  /** A scratch block of at least `bytes` (its content is not kept when it has to grow). */
  const scratchOf = (bytes: number): number => {
    if (bytes > scratch.size) {
      heap.release(scratch.at, scratch.size);
      const size = Math.max(bytes, 2 * scratch.size);
      scratch = { at: heap.alloc(size), size };
    }
    return scratch.at;
  };

  // Views of the whole memory, made again after it grows (growing detaches the buffer they view).
  let bytes = new Uint8Array(memory.buffer);
  let halves = new Int16Array(memory.buffer);
  let floats = new Float32Array(memory.buffer);
  let doubles = new Float64Array(memory.buffer);
  let words = new Uint32Array(memory.buffer);
  const refreshViews = () => {
    if (bytes.buffer === memory.buffer) return;
    bytes = new Uint8Array(memory.buffer);
    halves = new Int16Array(memory.buffer);
    floats = new Float32Array(memory.buffer);
    doubles = new Float64Array(memory.buffer);
    words = new Uint32Array(memory.buffer);
  };
  const roundUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

  /** The last query's integers stay in their own block while the same query scans on. */
  let intQuery: { query: KernelQuery | null; block: Block } = { query: null, block: { at: heap.alloc(ALIGN), size: ALIGN } };
  const intsOf = (query: KernelQuery): number => {
    if (query === intQuery.query) return intQuery.block.at;
    const bytes = 2 * roundUp(query.ints.length);
    let block = intQuery.block;
    if (block.size < bytes) {
      heap.release(block.at, block.size);
      block = { at: heap.alloc(bytes), size: bytes };
    }
    refreshViews();
    halves.set(query.ints, block.at >> 1);
    intQuery = { query, block };
    return block.at;
  };

  /**
   * The query's bit table (see bit_table in dots.wat), in its own block: a search re-ranks rows of several cells
   * with one query, so the last query's table is kept.
   */
  let bitQuery: { query: KernelQuery | null; block: Block } = { query: null, block: { at: heap.alloc(ALIGN), size: ALIGN } };
  const tableOf = (query: KernelQuery): number => {
    const width = query.values.length;
    if (query === bitQuery.query) return bitQuery.block.at + roundUp(width * 4);
    const bytes = roundUp(width * 4) + (width / 8) * 1024;
    let block = bitQuery.block;
    if (block.size < bytes) {
      heap.release(block.at, block.size);
      block = { at: heap.alloc(bytes), size: bytes };
    }
    refreshViews();
    floats.set(query.values, block.at >> 2);
    bitTable(block.at, width, block.at + roundUp(width * 4));
    bitQuery = { query, block };
    return block.at + roundUp(width * 4);
  };

  /** Room for `count` float64 results and `extra` bytes in scratch: [out, extra]. */
  const outLayout = (count: number, extra: number) => {
    const out = scratchOf(roundUp(count * 8) + extra);
    refreshViews();
    return { out, extra: out + roundUp(count * 8) };
  };

  /** Rows first … first + count − 1 of a code set: in place when placed, else copied into scratch. */
  const rangeOf = (query: KernelQuery, codes: Int8Array, first: number, count: number) => {
    const width = query.ints.length;
    const q = intsOf(query);
    const home = placed.get(codes);
    const at = outLayout(count, home ? 0 : count * width);
    if (!home) bytes.set(bytesOf(codes).subarray(first * width, (first + count) * width), at.extra);
    dots(q, query.step, home ? home.at + first * width : at.extra, width, count, at.out);
    return doubles.subarray(at.out >> 3, (at.out >> 3) + count);
  };

  /** The listed rows of a code set: read in place by their numbers when placed, else copied one after another. */
  const listedOf = (query: KernelQuery, codes: Int8Array, rows: ArrayLike<number>) => {
    const width = query.ints.length;
    const count = rows.length;
    const q = intsOf(query);
    const home = placed.get(codes);
    const at = outLayout(count, home ? count * 4 : count * width);
    if (home) {
      for (let i = 0; i < count; i++) words[(at.extra >> 2) + i] = rows[i]!;
      dotsAt(q, query.step, home.at, width, at.extra, count, at.out);
    } else {
      const source = bytesOf(codes);
      for (let i = 0; i < count; i++) bytes.set(source.subarray(rows[i]! * width, (rows[i]! + 1) * width), at.extra + i * width);
      dots(q, query.step, at.extra, width, count, at.out);
    }
    return doubles.subarray(at.out >> 3, (at.out >> 3) + count);
  };
  const bytesOf = (a: PlacedRows) => (a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const checkWidth = (query: KernelQuery, width: number, bits: boolean) => {
    if (query.values.length !== width) throw new RangeError(`a ${query.values.length}-wide query for rows ${width} wide`);
    if (bits && width % 8 !== 0) throw new RangeError(`bit rows of width ${width} are not whole bytes`);
  };

  return {
    rowDots(query, codes, width, first, rows) {
      checkWidth(query, width, false);
      return rangeOf(query, codes, first, rows);
    },
    rowDotsAt(query, codes, width, rows) {
      checkWidth(query, width, false);
      return listedOf(query, codes, rows);
    },
    bitDotsAt(query, bits, width, rows) {
      checkWidth(query, width, true);
      // The query's sum for every value of every byte of bits first (width/8 × 256 floats), then a lookup a byte.
      const count = rows.length;
      const rowBytes = width / 8;
      const table = tableOf(query);
      const home = placed.get(bits);
      const out = scratchOf(roundUp(count * 4) + roundUp(count * 4) + (home ? 0 : count * rowBytes));
      refreshViews();
      const listed = out + roundUp(count * 4);
      const copied = listed + roundUp(count * 4);
      if (home) {
        for (let i = 0; i < count; i++) words[(listed >> 2) + i] = rows[i]!;
      } else {
        for (let i = 0; i < count; i++) {
          bytes.set(bits.subarray(rows[i]! * rowBytes, (rows[i]! + 1) * rowBytes), copied + i * rowBytes);
          words[(listed >> 2) + i] = i;
        }
      }
      bitDotsAt(table, home ? home.at : copied, width, listed, count, out);
      return floats.subarray(out >> 2, (out >> 2) + count);
    },
    floatDots(query, rows, width) {
      if (query.length !== width || rows.length % width !== 0) throw new RangeError(`a ${query.length}-wide query for ${rows.length} values in rows ${width} wide`);
      const count = rows.length / width;
      const home = placed.get(rows);
      const at = outLayout(count, roundUp(width * 4) + (home ? 0 : rows.byteLength));
      floats.set(query, at.extra >> 2);
      if (!home) floats.set(rows, (at.extra + roundUp(width * 4)) >> 2);
      floatDots(at.extra, home ? home.at : at.extra + roundUp(width * 4), width, count, at.out);
      return doubles.subarray(at.out >> 3, (at.out >> 3) + count);
    },
    placeCodes(codes) {
      if (placed.has(codes)) return;
      let at: number;
      try {
        at = heap.alloc(codes.byteLength);
      } catch (error) {
        // No room left in WASM memory: the codes stay where they are, and scans copy the rows they need.
        if (error instanceof RangeError) return;
        throw error;
      }
      const block = { at, size: codes.byteLength };
      refreshViews();
      bytes.set(bytesOf(codes), block.at);
      placed.set(codes, block);
      collected.register(codes, block, codes);
    },
    releaseCodes(codes) {
      const block = placed.get(codes);
      if (!block) return;
      placed.delete(codes);
      collected.unregister(codes);
      heap.release(block.at, block.size);
    },
    memoryBytes: () => memory.buffer.byteLength,
  };
}

let kernel: DotKernel | null = null;

/** The one kernel of this thread (instantiated on first use: a few kilobytes, compiled synchronously). */
export function dotKernel(): DotKernel {
  kernel ??= createDotKernel();
  return kernel;
}
