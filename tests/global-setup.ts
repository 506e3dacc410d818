import { ensureAssets } from './helpers/assets.js';
import { ensureTestArtifacts } from './helpers/test-index.js';

export default async function setup(): Promise<void> {
  await ensureAssets();
  await ensureTestArtifacts();
}
