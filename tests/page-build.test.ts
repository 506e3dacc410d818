import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';

const outDir = mkdtempSync(join(tmpdir(), 'vitrine-web-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the production build of the page', () => {
  it('leaves out window.__vitrine, the handle only test and benchmark builds expose', async () => {
    delete process.env.VITE_TEST_HANDLE;
    process.env.VITRINE_ARTIFACTS = TEST_ARTIFACTS_DIR;
    await build({ root: PROJECT_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    const scripts = readdirSync(join(outDir, 'assets')).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const page = scripts.map((name) => readFileSync(join(outDir, 'assets', name), 'utf8')).join('\n');
    // The page's own code is there (its status line), the handle is not.
    expect(page).toContain('Drop a photo or describe what you are looking for');
    expect(page).not.toContain('__vitrine');
  });
});
