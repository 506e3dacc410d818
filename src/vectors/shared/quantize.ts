import { dotKernel, type KernelQuery } from './dots.js';

/**
 * Rows of a rotated vector set stored as scalar codes of their residual from a shared centre: one float32 scale per
 * row and a signed code per coordinate, of 4, 8 or 9 bits. 9-bit codes are an 8-bit code plus a plane of one more
 * bit per coordinate: a search scans the 8-bit part alone, then re-ranks its short list with all 9 bits. A dot
 * product with the centre is computed once per query.
 */
export type CodeBits = 4 | 8 | 9;

export interface ResidualCodes {
  readonly bits: CodeBits;
  readonly rows: number;
  /** Coordinates per row (the rotation's width). */
  readonly width: number;
  readonly centre: Float32Array;
  readonly scales: Float32Array;
  /** rows × width: the 8-bit code (a 9-bit code's high 8 bits); 4-bit codes two to a byte, low nibble first. */
  readonly codes: Int8Array;
  /** rows × width / 8: each 9-bit code's lowest bit (LSB first); null for 4 and 8 bits. */
  readonly low: Uint8Array | null;
}

const LEVELS: Record<CodeBits, number> = { 4: 7, 8: 127, 9: 255 };

/** A rotated query prepared for one code set: with its dot with the centre and its coordinate sum. */
export interface CodeQuery {
  readonly query: KernelQuery;
  readonly centreDot: number;
  readonly sum: number;
}

export function residualCodeBytes(rows: number, width: number, bits: CodeBits): number {
  return rows * (4 + (width * bits) / 8);
}

/** The mean of `rows` rotated vectors: the centre their residuals are coded around. */
export function meanRow(data: Float32Array, rows: number, width: number): Float32Array {
  const centre = new Float32Array(width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) centre[j]! += data[r * width + j]!;
  if (rows > 0) for (let j = 0; j < width; j++) centre[j]! /= rows;
  return centre;
}

/** Codes `rows` rotated vectors (row-major in `data`) around `centre` in `bits` bits per coordinate. */
export function encodeResiduals(data: Float32Array, rows: number, width: number, centre: Float32Array, bits: CodeBits): ResidualCodes {
  if (width % 8 !== 0) throw new RangeError(`code width ${width} is not a multiple of 8`);
  const top = LEVELS[bits];
  const scales = new Float32Array(rows);
  const codes = new Int8Array(bits === 4 ? (rows * width) / 2 : rows * width);
  const low = bits === 9 ? new Uint8Array((rows * width) / 8) : null;
  const residual = new Float32Array(width);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let j = 0; j < width; j++) {
      residual[j] = data[r * width + j]! - centre[j]!;
      maxAbs = Math.max(maxAbs, Math.abs(residual[j]!));
    }
    const scale = maxAbs / top;
    // Stored as float32: quantise with the scale the reader will see.
    scales[r] = scale;
    const step = scales[r]!;
    for (let j = 0; j < width; j++) {
      const q = step === 0 ? 0 : Math.max(-top, Math.min(top, Math.round(residual[j]! / step)));
      const at = r * width + j;
      if (bits === 4) codes[at >> 1]! |= (q & 0xf) << ((at & 1) * 4);
      else if (low) {
        codes[at] = q >> 1;
        if (q & 1) low[at >> 3]! |= 1 << (at & 7);
      } else {
        codes[at] = q;
      }
    }
  }
  return { bits, rows, width, centre, scales, codes, low };
}

export function prepareQuery(codes: Pick<ResidualCodes, 'centre'>, query: KernelQuery): CodeQuery {
  const rotated = query.values;
  let centreDot = 0;
  let sum = 0;
  for (let j = 0; j < rotated.length; j++) {
    centreDot += rotated[j]! * codes.centre[j]!;
    sum += rotated[j]!;
  }
  return { query, centreDot, sum };
}

/** A 4-bit code from its nibble: two's complement in 4 bits. */
const nibble = (byte: number, high: number) => (((byte >> (high * 4)) & 0xf) << 28) >> 28;

/** Row r's score from its 8-bit codes' dot with the query (a 9-bit code's lost bit counts as ½). */
const coarseScore = (codes: ResidualCodes, query: CodeQuery, r: number, codeDot: number) =>
  query.centreDot + codes.scales[r]! * (codes.low ? 2 * codeDot + 0.5 * query.sum : codeDot);

/** The dot product of the query with row r from the 8-bit codes alone (a 9-bit code's lost bit counts as ½). */
export function coarseDot(codes: ResidualCodes, query: CodeQuery, r: number): number {
  if (codes.bits === 4) return nibbleDot(codes, query, r);
  return coarseScore(codes, query, r, dotKernel().rowDots(query.query, codes.codes, codes.width, r, 1)[0]!);
}

/** coarseDot of rows first … first + rows − 1, into out[0 … rows − 1]: one kernel call (8 and 9 bits). */
export function coarseDots(codes: ResidualCodes, query: CodeQuery, first: number, rows: number, out: Float64Array): void {
  if (codes.bits === 4) {
    for (let i = 0; i < rows; i++) out[i] = nibbleDot(codes, query, first + i);
    return;
  }
  const sums = dotKernel().rowDots(query.query, codes.codes, codes.width, first, rows);
  for (let i = 0; i < rows; i++) out[i] = coarseScore(codes, query, first + i, sums[i]!);
}

/** coarseDot of the listed rows, into out[0 … rows.length − 1]. */
export function coarseDotsAt(codes: ResidualCodes, query: CodeQuery, rows: ArrayLike<number>, out: Float64Array): void {
  if (codes.bits === 4) {
    for (let i = 0; i < rows.length; i++) out[i] = nibbleDot(codes, query, rows[i]!);
    return;
  }
  const sums = dotKernel().rowDotsAt(query.query, codes.codes, codes.width, rows);
  for (let i = 0; i < rows.length; i++) out[i] = coarseScore(codes, query, rows[i]!, sums[i]!);
}

/**
 * Full-precision dots of the listed rows from their coarse ones (coarse[i] is row rows[i]'s, replaced in place): a
 * 9-bit code's ninth bits replace the ½ they were counted as; other codes are already whole.
 */
export function refineCoarse(codes: ResidualCodes, query: CodeQuery, rows: ArrayLike<number>, coarse: Float64Array): void {
  if (!codes.low) return;
  const bits = dotKernel().bitDotsAt(query.query, codes.low, codes.width, rows);
  for (let i = 0; i < rows.length; i++) coarse[i]! += codes.scales[rows[i]!]! * (bits[i]! - 0.5 * query.sum);
}

/** The dot product of the query with row r from every bit of its code. */
export function refinedDot(codes: ResidualCodes, query: CodeQuery, r: number): number {
  const score = Float64Array.of(coarseDot(codes, query, r));
  refineCoarse(codes, query, [r], score);
  return score[0]!;
}

function nibbleDot(codes: ResidualCodes, query: CodeQuery, r: number): number {
  const q = query.query.values;
  const c = codes.codes;
  const half = codes.width / 2;
  const at = r * half;
  let s = 0;
  for (let b = 0; b < half; b++) {
    const byte = c[at + b]!;
    s += q[2 * b]! * nibble(byte, 0) + q[2 * b + 1]! * nibble(byte, 1);
  }
  return query.centreDot + codes.scales[r]! * s;
}

/** Row r decoded back to a rotated vector (tests, and exact checks). */
export function decodeRow(codes: ResidualCodes, r: number): Float32Array {
  const { width, low } = codes;
  const out = new Float32Array(width);
  for (let j = 0; j < width; j++) {
    const at = r * width + j;
    const q =
      codes.bits === 4 ? nibble(codes.codes[at >> 1]!, at & 1) : low ? 2 * codes.codes[at]! + ((low[at >> 3]! >> (at & 7)) & 1) : codes.codes[at]!;
    out[j] = codes.centre[j]! + codes.scales[r]! * q;
  }
  return out;
}
