import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import { sha256Hex } from '../../common/node/checksum.js';
import { ASSETS_DIR, PROJECT_ROOT } from '../../common/node/paths.js';
import { loadModelsConfig } from '../../models/node/config.js';
import { DatabaseSetupError } from './database.js';

/**
 * The encoders a page downloads in remote mode must be the ones the served build was embedded with, or its query
 * vectors would be compared with vectors of another model: checked once at start, by SHA-256.
 */
export function checkServedModels(manifest: ArtifactManifest, assetsDir = ASSETS_DIR): void {
  const models = loadModelsConfig();
  for (const record of [manifest.models.imageSemantic, manifest.models.visual, manifest.models.textSemantic]) {
    const mirror = models.models[record.model]?.mirror;
    if (!mirror) throw new DatabaseSetupError(`the database serves build ${manifest.buildId}, made with model "${record.model}", which config/models.json does not define`);
    for (const [file, pinned] of Object.entries(record.files)) {
      const path = join(assetsDir, mirror, file);
      if (!existsSync(path) || sha256Hex(readFileSync(path)) !== pinned.sha256) {
        throw new DatabaseSetupError(
          `the database serves build ${manifest.buildId}, made with model files that ${relative(PROJECT_ROOT, path)} is not — run npm run setup with that build's profile (${manifest.profile}), or export a build of these models`,
        );
      }
    }
  }
}
