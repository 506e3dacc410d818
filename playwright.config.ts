import { defineConfig } from '@playwright/test';
import { CHROMIUM } from './src/common/node/chromium.js';
import { E2E_URL } from './e2e/config.js';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // One browser at a time: each page runs two models on WASM threads, and this machine has two cores.
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: E2E_URL,
    browserName: 'chromium',
    launchOptions: CHROMIUM,
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'npx tsx e2e/serve.ts',
    url: E2E_URL,
    // First run: builds the test index (about a minute) and the app.
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
  },
});
