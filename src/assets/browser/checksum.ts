/** SHA-256 as lowercase hex, with the browser's own digest (page and workers alike). */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const LANE_PRIMES = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f] as const;

/**
 * A 128-bit hash of bytes, as 32 hex digits: not cryptographic, but several times faster than SHA-256 (about
 * 5 GB/s in the worker), for checking that a copy stored on this device after its SHA-256 was verified is still
 * the same. Four independent lanes each fold one 32-bit word in by a bijection (xor, odd multiply, rotate), so
 * changing any single word always changes its lane; the length and the tail bytes are folded in too.
 */
export function storedCopyHash(bytes: Uint8Array): string {
  // Int32Array needs a 4-byte-aligned offset: copies of unaligned views are rare (a Blob's bytes start at 0).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Int32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  let a = 0x2545f491;
  let b = 0x9e3779b9;
  let c = 0x85ebca6b;
  let d = 0xc2b2ae35;
  const [pa, pb, pc, pd] = LANE_PRIMES;
  const whole = words.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    a = Math.imul(a ^ words[i]!, pa);
    b = Math.imul(b ^ words[i + 1]!, pb);
    c = Math.imul(c ^ words[i + 2]!, pc);
    d = Math.imul(d ^ words[i + 3]!, pd);
    a = (a << 13) | (a >>> 19);
    b = (b << 13) | (b >>> 19);
    c = (c << 13) | (c >>> 19);
    d = (d << 13) | (d >>> 19);
  }
  // The last (up to 15) bytes, one at a time into lane a, then the length into every lane.
  for (let i = whole * 4; i < aligned.byteLength; i++) a = Math.imul((a ^ aligned[i]!) + i, pa);
  const lanes = [a, b, c, d].map((h, lane) => finalMix(Math.imul(h ^ aligned.byteLength, LANE_PRIMES[lane]!) ^ lane));
  return lanes.map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
