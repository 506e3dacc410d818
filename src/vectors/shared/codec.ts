import type { Matrix } from './vector.js';

/**
 * Compact on-disk vector encodings. Little-endian throughout.
 * - f32: 4 bytes per value.
 * - f16: IEEE half precision, 2 bytes per value (cosine error ~1e-6 on unit vectors).
 * - i8: per-row symmetric int8 (1 byte per value) followed by one float32 scale per row; value = q * scale.
 */
export type VectorEncoding = 'f32' | 'f16' | 'i8';

export function encodedBytes(encoding: VectorEncoding, rows: number, dim: number): number {
  switch (encoding) {
    case 'f32':
      return rows * dim * 4;
    case 'f16':
      return rows * dim * 2;
    case 'i8':
      return rows * dim + rows * 4;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function encodeMatrix(m: Matrix, encoding: VectorEncoding): Uint8Array {
  const out = new Uint8Array(encodedBytes(encoding, m.rows, m.dim));
  const view = new DataView(out.buffer);
  switch (encoding) {
    case 'f32':
      m.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
      break;
    case 'f16':
      m.data.forEach((v, i) => view.setUint16(i * 2, toHalf(v), true));
      break;
    case 'i8': {
      const scalesAt = m.rows * m.dim;
      for (let r = 0; r < m.rows; r++) {
        let maxAbs = 0;
        for (let j = 0; j < m.dim; j++) maxAbs = Math.max(maxAbs, Math.abs(m.data[r * m.dim + j]!));
        const scale = maxAbs / 127;
        for (let j = 0; j < m.dim; j++) {
          view.setInt8(r * m.dim + j, scale === 0 ? 0 : Math.round(m.data[r * m.dim + j]! / scale));
        }
        view.setFloat32(scalesAt + r * 4, scale, true);
      }
      break;
    }
  }
  return out;
}

export function decodeMatrix(bytes: Uint8Array, encoding: VectorEncoding, rows: number, dim: number): Matrix {
  const expected = encodedBytes(encoding, rows, dim);
  if (bytes.byteLength !== expected) {
    throw new RangeError(`vector file holds ${bytes.byteLength} bytes, expected ${expected} for ${rows}x${dim} ${encoding}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(rows * dim);
  switch (encoding) {
    case 'f32':
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
      break;
    case 'f16':
      for (let i = 0; i < data.length; i++) data[i] = fromHalf(view.getUint16(i * 2, true));
      break;
    case 'i8': {
      const scalesAt = rows * dim;
      for (let r = 0; r < rows; r++) {
        const scale = view.getFloat32(scalesAt + r * 4, true);
        for (let j = 0; j < dim; j++) data[r * dim + j] = view.getInt8(r * dim + j) * scale;
      }
      break;
    }
  }
  return { rows, dim, data };
}
