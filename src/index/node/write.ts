import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeMatrix, type VectorEncoding } from '../../vectors/shared/codec.js';
import type { Matrix } from '../../vectors/shared/vector.js';
import type { ArtifactFile, VectorSetRecord } from '../../artifacts/shared/format.js';
import { sha256Hex } from '../../common/node/checksum.js';

/** Writes files into an artifact folder and remembers their size and checksum for the manifest. */
export class ArtifactWriter {
  readonly files: ArtifactFile[] = [];

  constructor(readonly dir: string) {}

  async write(path: string, bytes: Uint8Array): Promise<string> {
    const full = join(this.dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
    this.files.push({ path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    return path;
  }

  writeJson(path: string, value: unknown): Promise<string> {
    return this.write(path, new TextEncoder().encode(JSON.stringify(value)));
  }

  async writeVectors(name: string, matrix: Matrix, encoding: VectorEncoding): Promise<VectorSetRecord> {
    const file = await this.write(`vectors/${name}.${encoding}`, encodeMatrix(matrix, encoding));
    return { file, encoding, rows: matrix.rows, dim: matrix.dim };
  }

  /** Content address of everything written so far. */
  buildId(): string {
    const lines = [...this.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.path} ${f.sha256}`);
    return sha256Hex(lines.join('\n')).slice(0, 16);
  }

  totalBytes(): number {
    return this.files.reduce((sum, f) => sum + f.bytes, 0);
  }
}

export function encodeEntryProducts(entryProducts: Uint32Array): Uint8Array {
  const out = new Uint8Array(entryProducts.length * 4);
  const view = new DataView(out.buffer);
  entryProducts.forEach((p, i) => view.setUint32(i * 4, p, true));
  return out;
}
