/**
 * A static host the test owns: `vite preview` (the production headers: isolation, CSP) on a folder and port of its
 * choosing, which the test can stop — the network really gone, not only emulated — or redeploy by editing files.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { preview } from 'vite';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { TEST_ROOT } from '../src/index/node/sample-index.js';
import { E2E_PORT } from './config.js';

/** Where e2e/serve.ts builds the app against the test index. */
export const E2E_DIST = join(TEST_ROOT, `dist-${E2E_PORT}`);

export interface StaticHost {
  readonly url: string;
  close(): Promise<void>;
}

export async function startStaticHost(dir: string, port: number): Promise<StaticHost> {
  const server = await preview({ root: PROJECT_ROOT, logLevel: 'silent', build: { outDir: dir }, preview: { port, strictPort: true, open: false } });
  let closed: Promise<void> | null = null;
  return { url: `http://localhost:${port}/`, close: () => (closed ??= server.close()) };
}

/** A copy of the e2e build that a test may change (a new deploy) without touching the shared server's files. */
export async function copyOfBuild(name: string): Promise<string> {
  const dir = join(TEST_ROOT, `${name}-${E2E_PORT}`);
  await cp(E2E_DIST, dir, { recursive: true, force: true });
  return dir;
}
