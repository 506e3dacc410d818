import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, loadConfigFromFile, type Plugin, type PluginOption, type UserConfig } from 'vite';
import { CHROMIUM } from '../../common/node/chromium.js';
import { PROJECT_ROOT } from '../../common/node/paths.js';
// The type of window.__bench.
import type {} from '../worker/client.js';
import type { BenchWorkerApi } from '../shared/protocol.js';
import { RUN_DIR } from './paths.js';
import type { BenchServer } from './server.js';

/** Headless Debian Chromium as the e2e tests launch it; `webgpu` adds the flag that lets requestAdapter() answer. */
export function launchChromium({ webgpu = false } = {}): Promise<Browser> {
  return chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])] });
}

/** Plugins of a Vite config, flattened (a config may nest them in arrays and promises). */
async function flatPlugins(option: PluginOption | PluginOption[] | undefined): Promise<Plugin[]> {
  const value = await option;
  if (!value) return [];
  if (Array.isArray(value)) return (await Promise.all(value.map(flatPlugins))).flat();
  return [value];
}

/**
 * Builds the bench page (src/bench/index.html and its workers) with the app's own Vite configuration — the same
 * resolve conditions and worker plugins, so its workers run the code the app ships — but without the app's data
 * plugin: the Node side serves models and vectors itself.
 */
export async function buildBenchPage(outDir = join(RUN_DIR, 'bench-page')): Promise<string> {
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(PROJECT_ROOT, 'vite.config.ts'), PROJECT_ROOT, 'error');
  if (!loaded) throw new Error('vite.config.ts not found');
  const { test: _test, plugins, build: buildOptions, ...config } = loaded.config as UserConfig & { test?: unknown };
  await build({
    ...config,
    configFile: false,
    root: PROJECT_ROOT,
    logLevel: 'error',
    plugins: (await flatPlugins(plugins)).filter((p) => p.name !== 'vitrine-data'),
    build: {
      ...buildOptions,
      outDir,
      emptyOutDir: true,
      rolldownOptions: { ...buildOptions?.rolldownOptions, input: join(PROJECT_ROOT, 'src/bench/index.html') },
    },
  });
  return outDir;
}

/** The bench page open in a browser, its workers callable from Node. */
export class BenchPage {
  private constructor(readonly page: Page) {}

  static async open(browser: Browser, server: BenchServer, pageDir: string): Promise<BenchPage> {
    const page = await browser.newPage();
    await page.goto(`${server.mount('bench', pageDir)}src/bench/index.html`);
    await page.waitForFunction(() => window.__bench !== undefined);
    if (!(await page.evaluate(() => window.__bench.crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated');
    return new BenchPage(page);
  }

  spawn(id: string): Promise<void> {
    return this.page.evaluate((worker) => window.__bench.spawn(worker), id);
  }

  call<M extends keyof BenchWorkerApi>(id: string, method: M, ...args: Parameters<BenchWorkerApi[M]>): Promise<Awaited<ReturnType<BenchWorkerApi[M]>>> {
    return this.page.evaluate(
      ([worker, name, params]) => (window.__bench.call as (id: string, m: string, ...a: unknown[]) => Promise<unknown>)(worker, name, ...params),
      [id, method, args] as [string, string, unknown[]],
    ) as Promise<Awaited<ReturnType<BenchWorkerApi[M]>>>;
  }

  /**
   * Anonymous resident memory of the browser's renderer processes, in MB (Linux /proc): a worker's JS heap, its
   * buffers and WASM memory all land there. Measured before and after a worker's work, the difference is what the
   * worker holds. Null where /proc cannot be read.
   */
  async rendererMemoryMb(): Promise<number | null> {
    const browser = this.page.context().browser();
    if (!browser) return null;
    const session = await browser.newBrowserCDPSession();
    try {
      const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
      let kb = 0;
      for (const process of processInfo.filter((p) => p.type === 'renderer')) {
        const status = readFileSync(`/proc/${process.id}/status`, 'utf8');
        kb += Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      }
      return Number.isFinite(kb) ? kb / 1024 : null;
    } catch {
      return null;
    } finally {
      await session.detach();
    }
  }

  terminate(id: string): Promise<void> {
    return this.page.evaluate((worker) => window.__bench.terminate(worker), id);
  }

  close(): Promise<void> {
    return this.page.close();
  }
}
