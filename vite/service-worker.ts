import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build, type Plugin, type Rolldown } from 'vite';
import { SERVICE_WORKER_FILE, type ShellBuild } from '../src/offline/shared/caches.js';

const ENTRY = 'src/offline/sw/service-worker.ts';

/**
 * Builds the service worker (src/offline/sw/service-worker.ts) into `sw.js` beside index.html, with this build's
 * file list written in: everything the page and its worker load (index.html, scripts, styles) is precached on
 * install; the WASM runtimes (14 MB CPU, 27 MB WebGPU) are cached on first use, so a device stores only the one its
 * backend loads. The list and its hash change with every build, so browsers install the new service worker whenever
 * the app changes. It is built on its own, as one self-contained classic script (a module service worker, or one
 * sharing chunks with the page, would not run in every browser), once the page's build has listed its files.
 */
export function serviceWorker(): Plugin {
  let outDir = 'dist';
  let root = '.';
  return {
    name: 'vitrine-service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    // After every plugin has emitted its files (the search worker's chunks and runtimes are added late).
    async writeBundle(_options, bundle) {
      // Only the app's page has a service worker (the bench page, built with this configuration, has none).
      if (!('index.html' in bundle)) return;
      const files = Object.keys(bundle)
        .filter((name) => !name.endsWith('.map'))
        .sort();
      const hash = createHash('sha256');
      for (const name of files) hash.update(`${name}\n`);
      hash.update(await readFile(join(outDir, 'index.html')));
      const shell: ShellBuild = {
        version: hash.digest('hex').slice(0, 16),
        precache: files.filter((name) => !name.endsWith('.wasm')),
        onDemand: files.filter((name) => name.endsWith('.wasm')),
      };
      const output = (await build({
        configFile: false,
        root,
        logLevel: 'warn',
        define: { __VITRINE_SHELL_BUILD__: JSON.stringify(shell) },
        build: { write: false, target: 'es2022', lib: { entry: resolve(root, ENTRY), formats: ['iife'], name: 'vitrineServiceWorker' } },
      })) as Rolldown.RolldownOutput[];
      const chunks = output.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
      if (chunks.length !== 1) this.error(`the service worker should build into one script, not ${chunks.length}`);
      await writeFile(join(outDir, SERVICE_WORKER_FILE), chunks[0]!.code);
      this.info(`${SERVICE_WORKER_FILE}: app build ${shell.version}, ${shell.precache.length} files precached, ${shell.onDemand.length} on first use`);
    },
  };
}
