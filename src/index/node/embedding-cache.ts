import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../common/node/checksum.js';

const HEADER_BYTES = 32 + 4;

/**
 * Append-only cache of image embeddings keyed by file content (SHA-256) and variant (0 = original, then the
 * augmented copies), one file per model fingerprint. Records have a fixed size, so an interrupted build leaves
 * at most one torn record at the end, which the next open cuts off: a rerun resumes where it stopped.
 */
export class EmbeddingCache {
  private readonly recordBytes: number;
  /** key → the record's vector bytes (semantic then visual float32). */
  private readonly records = new Map<string, Uint8Array>();
  private readonly fd: number;

  private constructor(
    readonly path: string,
    private readonly semanticDim: number,
    private readonly visualDim: number,
  ) {
    this.recordBytes = HEADER_BYTES + (semanticDim + visualDim) * 4;
    const data = existsSync(path) ? new Uint8Array(readFileSync(path)) : new Uint8Array();
    const whole = data.byteLength - (data.byteLength % this.recordBytes);
    this.fd = openSync(path, 'a+');
    if (whole !== data.byteLength) ftruncateSync(this.fd, whole);
    for (let offset = 0; offset < whole; offset += this.recordBytes) {
      const record = data.subarray(offset, offset + this.recordBytes);
      this.records.set(EmbeddingCache.keyOf(record), record.subarray(HEADER_BYTES));
    }
  }

  /** `fingerprint` names everything that changes the vectors: model files, pre-processing, augmentations. */
  static open(dir: string, fingerprint: unknown, dims: { semantic: number; visual: number }): EmbeddingCache {
    mkdirSync(dir, { recursive: true });
    const name = sha256Hex(JSON.stringify(fingerprint)).slice(0, 24);
    return new EmbeddingCache(join(dir, `${name}.bin`), dims.semantic, dims.visual);
  }

  private static keyOf(record: Uint8Array): string {
    const variant = new DataView(record.buffer, record.byteOffset + 32, 4).getUint32(0, true);
    return `${Buffer.from(record.subarray(0, 32)).toString('hex')}:${variant}`;
  }

  get size(): number {
    return this.records.size;
  }

  get(sha256: string, variant: number): { semantic: Float32Array; visual: Float32Array } | undefined {
    const body = this.records.get(`${sha256}:${variant}`);
    if (!body) return undefined;
    const floats = new Float32Array(body.slice().buffer);
    return { semantic: floats.slice(0, this.semanticDim), visual: floats.slice(this.semanticDim) };
  }

  put(sha256: string, variant: number, semantic: Float32Array, visual: Float32Array): void {
    if (semantic.length !== this.semanticDim || visual.length !== this.visualDim) {
      throw new RangeError(`cache record of ${semantic.length}/${visual.length}-d vectors, expected ${this.semanticDim}/${this.visualDim}`);
    }
    const record = new Uint8Array(this.recordBytes);
    record.set(Buffer.from(sha256, 'hex'), 0);
    new DataView(record.buffer).setUint32(32, variant, true);
    record.set(new Uint8Array(semantic.buffer, semantic.byteOffset, semantic.byteLength), HEADER_BYTES);
    record.set(new Uint8Array(visual.buffer, visual.byteOffset, visual.byteLength), HEADER_BYTES + semantic.byteLength);
    writeSync(this.fd, record);
    this.records.set(`${sha256}:${variant}`, record.subarray(HEADER_BYTES));
  }

  close(): void {
    closeSync(this.fd);
  }
}
