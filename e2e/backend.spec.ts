import { expect, test } from '@playwright/test';
import { CHROMIUM } from '../src/common/node/chromium.js';
import { openVitrine } from './vitrine.js';

// Headless Chromium offers WebGPU only behind this flag, and then only through a software (fallback) adapter.
test.use({ launchOptions: { ...CHROMIUM, args: [...CHROMIUM.args, '--enable-unsafe-webgpu'] } });

test('a software-only WebGPU adapter is passed over for multi-threaded WASM', async ({ page }) => {
  const info = await openVitrine(page);
  const adapter = await page.evaluate(async () => {
    const found = await navigator.gpu?.requestAdapter();
    return found ? { fallback: found.info.isFallbackAdapter } : null;
  });
  test.info().annotations.push({ type: 'adapter', description: JSON.stringify(adapter) });
  expect(adapter === null || adapter.fallback).toBe(true);
  expect(info.backend).toBe('wasm');
  // The page is cross-origin isolated (COOP + COEP), so WASM runs threaded.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(info.crossOriginIsolated).toBe(true);
  expect(info.threads).toBe(Math.min(4, cores));
  await expect(page.locator('#engine-info')).toContainText(`WASM × ${info.threads} thread`);
});
