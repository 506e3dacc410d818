/**
 * The e2e web server: the test index (built on first use, like the unit tests' global setup), the web app built
 * against it, and `vite preview` serving that build with the same headers as production hosting needs.
 */
import { build, preview } from 'vite';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { ensureAssets } from '../tests/helpers/assets.js';
import { ensureTestArtifacts } from '../src/index/node/sample-index.js';
import { E2E_PORT } from './config.js';
import { E2E_DIST as outDir } from './static-host.js';

await ensureAssets();
process.env.VITRINE_ARTIFACTS = await ensureTestArtifacts();
// The tests drive the page through window.__vitrine, which only builds with this flag expose.
process.env.VITE_TEST_HANDLE = '1';
await build({ root: PROJECT_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
const server = await preview({ root: PROJECT_ROOT, build: { outDir }, preview: { port: E2E_PORT, strictPort: true, open: false } });
server.printUrls();
