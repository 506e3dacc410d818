import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCell } from '../../artifacts/shared/cells.js';
import { validateCompactManifest, type CompactManifest } from '../../artifacts/shared/compact.js';
import { ArtifactError, fileRecord, MANIFEST_FILE, type ArtifactFile } from '../../artifacts/shared/format.js';
import { sha256Hex } from '../../common/node/checksum.js';
import { compactSource, decodeCompactIndex, LruCellStore } from '../shared/compact-source.js';
import type { CatalogSource } from '../shared/source.js';

export interface CompactCatalog {
  readonly manifest: CompactManifest;
  readonly source: CatalogSource;
  readonly store: LruCellStore;
  /** Another source over the same router with an empty cell store: every cell read from the folder again. */
  cold(budgetBytes: number): { source: CatalogSource; store: LruCellStore };
}

async function readChecked(dir: string, file: ArtifactFile): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(join(dir, file.path)));
  if (bytes.byteLength !== file.bytes || sha256Hex(bytes) !== file.sha256) throw new ArtifactError(`${file.path} in ${dir} differs from its manifest record; rebuild`);
  return bytes;
}

/** A compact catalog folder as a catalog source; cells are read when a search needs them and kept under `budgetBytes`. */
export async function openCompactDir(dir: string, budgetBytes = 256 * 2 ** 20): Promise<CompactCatalog> {
  const manifest = validateCompactManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
  const index = decodeCompactIndex(manifest, await readChecked(dir, fileRecord(manifest, manifest.router)), await readChecked(dir, fileRecord(manifest, manifest.prompts.vectors.file)));
  const cellFile = (i: number) => fileRecord(manifest, manifest.cells[i]!.file);
  const cold = (budget: number) => {
    const store = new LruCellStore(async (i) => decodeCell(await readChecked(dir, cellFile(i)), manifest.cells[i]!.file), (i) => cellFile(i).bytes, budget);
    return { source: compactSource(index, store), store };
  };
  return { manifest, ...cold(budgetBytes), cold };
}
