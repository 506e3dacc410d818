import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, storedCopyHash } from './checksum.js';

/** Deterministic pseudo-random bytes (xorshift32). */
function bytesOf(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('storedCopyHash', () => {
  it('changes when any single byte changes, in the 16-byte blocks and in the tail alike', () => {
    const bytes = bytesOf(4099, 7);
    const original = storedCopyHash(bytes);
    expect(original).toMatch(/^[0-9a-f]{32}$/);
    for (let at = 0; at < bytes.length; at++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        bytes[at]! ^= flip;
        expect(storedCopyHash(bytes), `byte ${at} ^ ${flip}`).not.toBe(original);
        bytes[at]! ^= flip;
      }
    }
    expect(storedCopyHash(bytes)).toBe(original);
  });

  it('tells apart lengths and swapped words, and gives every 1-byte file its own hash', () => {
    const bytes = bytesOf(64, 3);
    const hashes = new Set([storedCopyHash(bytes), storedCopyHash(bytes.subarray(0, 63)), storedCopyHash(new Uint8Array([...bytes, 0])), storedCopyHash(new Uint8Array(0))]);
    const swapped = bytes.slice();
    swapped.set(bytes.subarray(16, 20), 0);
    swapped.set(bytes.subarray(0, 4), 16);
    hashes.add(storedCopyHash(swapped));
    expect(hashes.size).toBe(5);
    expect(new Set(Array.from({ length: 256 }, (_, v) => storedCopyHash(new Uint8Array([v])))).size).toBe(256);
  });

  it('depends on the bytes alone, not on where a view of them starts', () => {
    const bytes = bytesOf(1001, 11);
    const padded = new Uint8Array(1003);
    padded.set(bytes, 1);
    expect(storedCopyHash(padded.subarray(1, 1002))).toBe(storedCopyHash(bytes));
  });
});

describe('sha256Hex', () => {
  it("is the browser digest's SHA-256 in lowercase hex", async () => {
    const bytes = bytesOf(1000, 5);
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
