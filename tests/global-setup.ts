import { ensureAssets } from './helpers/assets.js';
import { ensureTestArtifacts } from '../src/index/node/sample-index.js';

export default async function setup(): Promise<void> {
  await ensureAssets();
  await ensureTestArtifacts();
}
