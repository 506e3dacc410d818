import { DOTS_WASM_BASE64 } from './wasm/dots-wasm.js';

/**
 * Dot products of a float32 query with rows of int8 codes, computed by a WASM SIMD128 kernel (wasm/dots.wat): the
 * scans of the compact index (router centroids, inverted lists, second-signal rows), the same in Node and the page.
 *
 * Codes reach WASM memory in one of two ways. Code sets scanned again and again (the router's centroids, a loaded
 * cell's semantic codes) are placed there once (`placeCodes`) and read in place; they are freed by `releaseCodes`
 * (a cell evicted from its store) or, failing that, once their JS array is garbage collected. Anything else is
 * copied per call into a scratch block, with the query and the results.
 */
export interface DotKernel {
  /** Σ_j query[j] · codes[r·width + j] for rows first … first + rows − 1; a view valid until the next call. */
  rowDots(query: Float32Array, codes: Int8Array, width: number, first: number, rows: number): Float32Array;
  /** The same for the listed rows, in their order. */
  rowDotsAt(query: Float32Array, codes: Int8Array, width: number, rows: ArrayLike<number>): Float32Array;
  /** Σ_j query[j] · (bit j of row r) for the listed rows, rows of `width` bits (LSB first); a view as above. */
  bitDotsAt(query: Float32Array, bits: Uint8Array, width: number, rows: ArrayLike<number>): Float32Array;
  /** Copies a code set into WASM memory once, so later scans read it in place (no-op when already there). */
  placeCodes(codes: Int8Array): void;
  releaseCodes(codes: Int8Array): void;
  /** WASM memory in bytes (it grows, and never shrinks, to the most ever held at once). */
  memoryBytes(): number;
}

const ALIGN = 16;
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
    this.top += size;
    const short = this.top - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
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
  type Kernel = (query: number, rows: number, width: number, count: number, out: number) => void;
  const dots = instance.exports.dots as Kernel;
  const bitDots = instance.exports.bit_dots as Kernel;
  const heap = new Heap(memory);
  const placed = new WeakMap<Int8Array, Block>();
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
  let floats = new Float32Array(memory.buffer);
  const refreshViews = () => {
    if (bytes.buffer === memory.buffer) return;
    bytes = new Uint8Array(memory.buffer);
    floats = new Float32Array(memory.buffer);
  };

  /**
   * Lays out the query, the results and (unless `rowsAt` is given: rows already in place) `rowBytes` per row
   * written by `fill` at the address it is given in scratch, and runs the kernel.
   */
  const run = (kernel: Kernel, query: Float32Array, width: number, count: number, rowBytes: number, rowsAt: number | null, fill: (at: number) => void) => {
    const queryBytes = Math.ceil((width * 4) / ALIGN) * ALIGN;
    const outBytes = Math.ceil((count * 4) / ALIGN) * ALIGN;
    const base = scratchOf(queryBytes + outBytes + (rowsAt === null ? count * rowBytes : 0));
    refreshViews();
    floats.set(query.length === width ? query : query.subarray(0, width), base >> 2);
    const out = base + queryBytes;
    const rows = rowsAt ?? out + outBytes;
    if (rowsAt === null) fill(rows);
    kernel(base, rows, width, count, out);
    return floats.subarray(out >> 2, (out >> 2) + count);
  };

  /** Copies the listed rows (`rowBytes` each) of `data` one after another. */
  const gather = (data: Uint8Array, rowBytes: number, rows: ArrayLike<number>) => (at: number) => {
    for (let i = 0; i < rows.length; i++) bytes.set(data.subarray(rows[i]! * rowBytes, (rows[i]! + 1) * rowBytes), at + i * rowBytes);
  };
  const bytesOf = (a: Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  return {
    rowDots(query, codes, width, first, rows) {
      const home = placed.get(codes);
      if (home) return run(dots, query, width, rows, width, home.at + first * width, () => {});
      return run(dots, query, width, rows, width, null, (at) => bytes.set(bytesOf(codes).subarray(first * width, (first + rows) * width), at));
    },
    rowDotsAt(query, codes, width, rows) {
      return run(dots, query, width, rows.length, width, null, gather(bytesOf(codes), width, rows));
    },
    bitDotsAt(query, bits, width, rows) {
      if (width % 8 !== 0) throw new RangeError(`bit rows of width ${width} are not whole bytes`);
      return run(bitDots, query, width, rows.length, width / 8, null, gather(bits, width / 8, rows));
    },
    placeCodes(codes) {
      if (placed.has(codes)) return;
      const block = { at: heap.alloc(codes.byteLength), size: codes.byteLength };
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
