import { expect, test } from '@playwright/test';
import { openVitrine } from './vitrine.js';

test('a first visit shows download progress, then the ready state and the backend in use', async ({ page }) => {
  // Record every value the progress bar shows (the download is quick here, so sampling it could miss them).
  await page.addInitScript(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver((records) => {
      for (const r of records) if (r.target instanceof HTMLProgressElement && r.target.hasAttribute('value')) seen.push(r.target.value);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
  const info = await openVitrine(page);
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  expect(seen.length).toBeGreaterThan(5);
  expect(seen.at(-1)).toBe(100);
  expect([...seen].sort((a, b) => a - b)).toEqual(seen); // it only moves forward

  await expect(page.locator('#load-progress')).toBeHidden();
  await expect(page.getByRole('status')).toHaveText(`Ready — drop a photo to search ${info.products} products`);
  await expect(page.locator('#engine-info')).toHaveText(
    new RegExp(`^WASM × ${info.threads} threads? · ${info.products} products · catalog loaded in ${info.shards!.count} parts as searches need them · [\\d.]+ MB downloaded · ready in [\\d.]+ s$`),
  );
});
