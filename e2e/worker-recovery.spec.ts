/**
 * A search worker that dies — closes, crashes, runs out of memory, or hangs — is noticed, replaced, and the page
 * keeps working. The failures are caused from the outside, as the browser would cause them, through Playwright's
 * handle on the worker (nothing in the app exists for tests, and nothing a shopper does can reach it):
 * - `self.close()`, as when the browser ends a worker;
 * - an uncaught exception;
 * - an allocation that fails (OffscreenCanvas made to throw the RangeError the browser throws when memory is
 *   exhausted: a real out-of-memory would take the test machine with it);
 * - an endless loop.
 * Each, except the idle crash, is armed to fire on the worker's next message: the search the page sends it.
 */
import { expect, test, type Page, type Worker } from '@playwright/test';
import { testCatalogIds } from '../src/index/node/sample-index.js';
import { cardIds, catalogPhoto, openVitrine, searched } from './vitrine.js';

const status = (page: Page) => page.getByRole('status');

/** The page's search worker, other than those given (a worker that closed itself can linger in the list). */
async function searchWorker(page: Page, ...gone: Worker[]): Promise<Worker> {
  const live = () => page.workers().find((w) => w.url().includes('search.worker') && !gone.includes(w));
  await expect.poll(() => live() !== undefined).toBe(true);
  return live()!;
}

/** Drops a photo and waits for the answer shown in the status line. */
async function dropCatalogPhoto(page: Page, index: number): Promise<string> {
  const id = testCatalogIds()[index]!;
  await searched(page, () => page.getByLabel('Drop a photo here').setInputFiles(catalogPhoto(id)));
  return id;
}

/** After a loss: a new worker loads (from IndexedDB), and the next photo is searched as usual. */
async function expectRecovered(page: Page, dead: Worker): Promise<void> {
  const fresh = await searchWorker(page, dead);
  expect(fresh).not.toBe(dead);
  const info = await page.evaluate(() => window.__vitrine.ready);
  expect(info.files.fromNetwork).toBe(0); // models and index came back from IndexedDB
  const id = await dropCatalogPhoto(page, 120);
  expect((await cardIds(page))[0]).toBe(id);
  await expect(status(page)).not.toHaveAttribute('data-status', 'error');
}

test.beforeEach(async ({ page }) => {
  await openVitrine(page);
  // A first search, so the worker's files are cached and the loss happens mid-session.
  await dropCatalogPhoto(page, 10);
});

test('a worker that ends in the middle of a search: the search fails with a clear message, a new worker takes over', async ({ page }) => {
  const worker = await searchWorker(page);
  await worker.evaluate(() => self.addEventListener('message', () => self.close(), { once: true }));
  const started = Date.now();
  await dropCatalogPhoto(page, 20);
  expect(Date.now() - started).toBeLessThan(10_000); // noticed at once (its lifeline), not after a timeout
  await expect(status(page)).toHaveAttribute('data-status', 'error');
  await expect(status(page)).toContainText('the search engine stopped while searching (it stopped) — it is restarting; try again in a moment');
  await expectRecovered(page, worker);
});

test('a worker whose memory runs out: the search says so, the worker ends itself and is replaced', async ({ page }) => {
  const worker = await searchWorker(page);
  await worker.evaluate(() => {
    self.addEventListener(
      'message',
      () => {
        (self as { OffscreenCanvas: unknown }).OffscreenCanvas = class {
          constructor() {
            throw new RangeError('Array buffer allocation failed');
          }
        };
      },
      { once: true },
    );
  });
  await dropCatalogPhoto(page, 30);
  await expect(status(page)).toHaveAttribute('data-status', 'error');
  await expect(status(page)).toContainText('the search engine ran out of memory on this photo (Array buffer allocation failed) — it is restarting');
  await expectRecovered(page, worker);
});

test('a worker that stops answering (stuck in a loop) is ended after the heartbeat goes unanswered', async ({ page }) => {
  test.setTimeout(120_000);
  const worker = await searchWorker(page);
  await worker.evaluate(() =>
    self.addEventListener(
      'message',
      () => {
        for (;;) {
          // stuck
        }
      },
      { once: true },
    ),
  );
  await dropCatalogPhoto(page, 40);
  await expect(status(page)).toHaveAttribute('data-status', 'error');
  await expect(status(page)).toContainText('the search engine stopped while searching (it stopped answering for 15 s)');
  await expectRecovered(page, worker);
});

test('a worker that crashes while idle is replaced before the next photo, and the page says so', async ({ page }) => {
  const worker = await searchWorker(page);
  await worker.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });
  await expect(status(page)).toHaveText(/The search engine (stopped \(it crashed: .*simulated crash\) — restarting it…|restarted — drop a photo)/);
  await expect(status(page)).toHaveText(/^The search engine restarted — drop a photo to search \d+ products$/);
  await expectRecovered(page, worker);
});

test('a worker that keeps dying: after three replacements the page stops and asks for a reload', async ({ page }) => {
  const gone: Worker[] = [];
  for (let loss = 1; loss <= 4; loss++) {
    const worker = await searchWorker(page, ...gone);
    if (loss > 1) await page.evaluate(() => window.__vitrine.ready);
    await worker.evaluate(() => void setTimeout(() => self.close(), 10));
    gone.push(worker);
  }
  await expect(status(page)).toHaveAttribute('data-status', 'error');
  await expect(status(page)).toHaveText('The search engine keeps stopping (it stopped) — reload the page to start it again');
  const answer = await page.evaluate(() => window.__vitrine.search(new Blob([new Uint8Array(8)]), {}));
  expect(answer.status).toBe('error');
  expect(answer.message).toBe('The search engine keeps stopping (it stopped) — reload the page to start it again');
});
