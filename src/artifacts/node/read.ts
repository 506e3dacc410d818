import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../common/node/checksum.js';
import { ArtifactError, MANIFEST_FILE, validateManifest, type ArtifactFile, type ArtifactManifest, type ReadArtifact } from '../shared/format.js';

export async function readManifest(dir: string): Promise<ArtifactManifest> {
  return validateManifest(await readManifestJson(dir));
}

/** The manifest as JSON, of whichever layout: the caller validates it. */
export async function readManifestJson(dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new ArtifactError(`no artifacts in ${dir} (${MANIFEST_FILE} missing) — build them with: npm run build:index`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ArtifactError(`${join(dir, MANIFEST_FILE)} is not valid JSON`);
  }
}

/** Reads artifact files from a folder, refusing any whose size or SHA-256 differs from the manifest. */
export function folderReader(dir: string): ReadArtifact {
  return async (file: ArtifactFile) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(dir, file.path)));
    } catch {
      throw new ArtifactError(`artifact file ${file.path} is missing from ${dir}; rebuild the index`);
    }
    if (bytes.byteLength !== file.bytes || sha256Hex(bytes) !== file.sha256) {
      throw new ArtifactError(`artifact file ${file.path} in ${dir} is damaged (size or checksum differs from the manifest); rebuild the index`);
    }
    return bytes;
  };
}
