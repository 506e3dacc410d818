/** Deterministic mutations of image files, for the fuzz tests (Node: tests/fuzz.test.ts, browser: e2e/fuzz.spec.ts). */
import { seededRandom } from '../../src/vectors/shared/random.js';

export interface Mutant {
  /** A file name that says how it was made, e.g. `017-png-truncate.png`. */
  readonly name: string;
  readonly kind: string;
  readonly bytes: Uint8Array;
}

type Mutation = (bytes: Uint8Array, random: () => number) => Uint8Array;

const int = (random: () => number, below: number) => Math.floor(random() * below);

const MUTATIONS: Record<string, Mutation> = {
  /** 1–32 single-bit flips anywhere. */
  bitflip(bytes, random) {
    const out = Uint8Array.from(bytes);
    for (let n = 1 + int(random, 32); n > 0; n--) {
      const at = int(random, out.length);
      out[at] = out[at]! ^ (1 << int(random, 8));
    }
    return out;
  },
  /** Cut at a random point (downloads and copies that stopped early). */
  truncate: (bytes, random) => bytes.slice(0, int(random, bytes.length)),
  /** 1–64 random bytes inserted somewhere. */
  insert(bytes, random) {
    const at = int(random, bytes.length);
    const extra = Uint8Array.from({ length: 1 + int(random, 64) }, () => int(random, 256));
    return Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
  },
  /** A run of 1–256 bytes removed. */
  delete(bytes, random) {
    const at = int(random, bytes.length);
    return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(Math.min(bytes.length, at + 1 + int(random, 256)))]);
  },
  /** The header scribbled on: random values, or extremes (sizes of 0 or 65535), in the first 64 bytes. */
  header(bytes, random) {
    const out = Uint8Array.from(bytes);
    for (let n = 1 + int(random, 6); n > 0; n--) {
      const at = int(random, Math.min(64, out.length));
      out[at] = [0x00, 0xff, int(random, 256)][int(random, 3)]!;
    }
    return out;
  },
  /** A slice copied into another place (repeated chunks, segments or frames). */
  duplicate(bytes, random) {
    const from = int(random, bytes.length);
    const slice = bytes.subarray(from, Math.min(bytes.length, from + 1 + int(random, 2048)));
    const at = int(random, bytes.length);
    return Uint8Array.from([...bytes.subarray(0, at), ...slice, ...bytes.subarray(at)]);
  },
};

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp', 'webp-lossless': 'webp' };

/** `count` mutants, round-robin over the seed files and the mutations, the same for the same seed. */
export function mutatedImages(seeds: Record<string, Uint8Array>, count: number, seed: number): Mutant[] {
  const random = seededRandom(seed);
  const formats = Object.keys(seeds);
  const mutations = Object.entries(MUTATIONS);
  return Array.from({ length: count }, (_, i) => {
    const format = formats[i % formats.length]!;
    const [how, mutate] = mutations[Math.floor(i / formats.length) % mutations.length]!;
    const kind = `${format} ${how}`;
    return { name: `${String(i).padStart(3, '0')}-${format}-${how}.${EXTENSIONS[format] ?? 'bin'}`, kind, bytes: mutate(seeds[format]!, random) };
  });
}
