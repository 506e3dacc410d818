/**
 * Offline use (kiosks, and any device that asked for it once): registers the service worker
 * (src/offline/sw/service-worker.ts), then, once the engine is ready, makes sure everything a search needs is on the
 * device — the WASM runtime the worker chose, every shard of the catalog (the worker stores them in IndexedDB, with
 * the models), and the index manifest and every product photo in the catalog build's cache — and deletes the caches
 * of earlier catalog builds. Shown in one status line; nothing here can break a search: failures only leave the
 * device less prepared, and the next visit carries on where this one stopped.
 */
import { formatBytes } from '../../common/shared/units.js';
import { RUNTIME_FILES } from '../../models/worker/runtime-files.js';
import { productImageUrl } from '../../catalog/shared/urls.js';
import type { EngineInfo, SearchWorkerApi } from '../../search/worker/api.js';
import { CLAIM_MESSAGE, cacheName, MANIFEST_PATH, SERVICE_WORKER_FILE, staleCaches } from '../shared/caches.js';

/** What the preparation asks of the search engine: every shard of the catalog stored on this device. */
type CatalogSaver = Pick<SearchWorkerApi, 'saveForOffline'>;

export type OfflineState = 'preparing' | 'ready' | 'partial' | 'unavailable' | 'updated';

export interface OfflineOptions {
  /** The app's folder: index.html, sw.js, artifacts/, models/ and catalog/ are served there. */
  readonly appBase: URL;
  /** The line that says how far the preparation is (its data-state is the OfflineState). */
  readonly status: HTMLElement;
  /**
   * Runs `apply` (a reload into the new version) when it suits: a kiosk does it when nobody is using it. Without
   * it, the status line offers a Reload button.
   */
  readonly whenIdle?: (apply: () => void) => void;
}

/** Product photos fetched at once: enough to fill the connection, few enough to leave room for a search. */
const PARALLEL_PHOTOS = 6;
/** How often a kiosk that is never reloaded looks for a new app or catalog build. */
const UPDATE_CHECK_MS = 15 * 60_000;

/** A kiosk, `?offline`, or a device prepared before (its service worker controls this page). */
export function offlineWanted(params: URLSearchParams, kiosk: boolean): boolean {
  return import.meta.env.PROD && 'serviceWorker' in navigator && (kiosk || params.has('offline') || navigator.serviceWorker.controller !== null);
}

function show(options: OfflineOptions, state: OfflineState, text: string): void {
  options.status.hidden = false;
  options.status.dataset.state = state;
  options.status.textContent = text;
}

const count = (n: number) => n.toLocaleString('en');

function describe(error: unknown): string {
  return error instanceof DOMException ? `${error.name}: ${error.message}` : error instanceof Error ? error.message : String(error);
}

/** Resolves once the service worker controls the page (at once after the first visit; after `claim()` on it). */
function controlled(registration: ServiceWorkerRegistration): Promise<void> {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  return new Promise((resolve, reject) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
    const installing = registration.installing ?? registration.waiting;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'redundant') reject(new Error('the service worker could not install (storage full?)'));
    });
    // Active but not in control: this page was loaded past it (a hard reload). It takes control when asked.
    if (!installing) registration.active?.postMessage(CLAIM_MESSAGE);
  });
}

/** Registers the service worker now (it installs the app shell in the background); `prepare` waits for it. */
export function startOffline(options: OfflineOptions): { prepare(info: EngineInfo, engine: CatalogSaver): Promise<void> } {
  let updateShown = false;
  const offerReload = (what: string) => {
    if (updateShown) return;
    updateShown = true;
    if (options.whenIdle) {
      show(options, 'updated', `${what} — the kiosk restarts with it when nobody is using it`);
      options.whenIdle(() => location.reload());
      return;
    }
    show(options, 'updated', `${what} — `);
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload';
    button.addEventListener('click', () => location.reload());
    options.status.append(button);
  };

  // A controller that changes after this page was controlled is a new app build that took over.
  let wasControlled = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (wasControlled) offerReload('A new version of Vitrine was installed');
    wasControlled = true;
  });
  const registration = navigator.serviceWorker.register(new URL(SERVICE_WORKER_FILE, options.appBase), { updateViaCache: 'none' });
  // Already handled by prepare(); this only keeps a refused registration from being an unhandled rejection.
  registration.catch(() => undefined);

  return {
    async prepare(info, engine) {
      let reg: ServiceWorkerRegistration;
      try {
        if (info.files.notCached.length) throw new Error(`the browser would not store ${info.files.notCached.join(', ')}`);
        reg = await registration;
        await controlled(reg);
        show(options, 'preparing', 'Saving for offline use…');
        await cacheRuntime(info, options.appBase);
      } catch (error) {
        show(options, 'unavailable', `Not available offline: ${describe(error)}`);
        return;
      }
      await saveCatalog(info, engine, options);
      setInterval(() => {
        void reg.update().catch(() => undefined);
        void catalogChanged(info, options.appBase).then((changed) => changed && offerReload('A new catalog was published'));
      }, UPDATE_CHECK_MS);
    },
  };
}

/** Fetched through the service worker, which keeps what it fetches of its build (the runtime is not precached). */
async function cacheRuntime(info: EngineInfo, appBase: URL): Promise<void> {
  const files = RUNTIME_FILES[info.backend];
  for (const url of [files.mjs, files.wasm]) {
    const response = await fetch(new URL(url, appBase));
    if (!response.ok) throw new Error(`the WASM runtime answered HTTP ${response.status}`);
    await response.arrayBuffer();
  }
}

async function fetchManifest(appBase: URL): Promise<Response> {
  const response = await fetch(new URL(MANIFEST_PATH, appBase), { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${MANIFEST_PATH} answered HTTP ${response.status}`);
  return response;
}

/** The build id of the catalog the server publishes now (the manifest of either layout has one). */
async function publishedBuild(response: Response): Promise<string> {
  const { buildId } = (await response.json()) as { buildId?: unknown };
  if (typeof buildId !== 'string') throw new Error(`${MANIFEST_PATH} names no build`);
  return buildId;
}

async function catalogChanged(info: EngineInfo, appBase: URL): Promise<boolean> {
  try {
    return (await publishedBuild(await fetchManifest(appBase))) !== info.buildId;
  } catch {
    return false; // offline, or the server is busy: ask again later
  }
}

/**
 * Every shard of the build the engine loaded (stored by the worker), then the manifest and every product photo in
 * that build's cache; then the caches of earlier builds go. Photos already cached (by this build, or an earlier one
 * the service worker answers from) are not downloaded again.
 */
async function saveCatalog(info: EngineInfo, engine: CatalogSaver, options: OfflineOptions): Promise<void> {
  const { appBase } = options;
  const name = cacheName('catalog', appBase.pathname, info.buildId);
  let images: string[];
  let cache: Cache;
  try {
    const response = await fetchManifest(appBase);
    if ((await publishedBuild(response.clone())) !== info.buildId) {
      show(options, 'partial', 'Not ready offline: a new catalog was published while this page loaded — reload the page');
      return;
    }
    show(options, 'preparing', 'Saving the catalog for offline use…');
    const saved = await engine.saveForOffline((done, total) => show(options, 'preparing', `Saving the catalog for offline use — part ${count(done)} of ${count(total)}`));
    const catalogBase = new URL('catalog/', appBase);
    images = [...new Set(saved.images.map((image) => productImageUrl(catalogBase, image)))];
    cache = await caches.open(name);
    await cache.put(new URL(MANIFEST_PATH, appBase), response);
  } catch (error) {
    show(options, 'unavailable', `Not available offline: ${describe(error)}`);
    return;
  }

  let saved = 0;
  let bytes = 0;
  let failure: unknown = null;
  const started = performance.now();
  const queue = [...images];
  const progress = () => show(options, 'preparing', `Saving product photos for offline use — ${count(saved)} of ${count(images.length)}`);
  const saveAll = async () => {
    for (let url = queue.pop(); url && !failure; url = queue.pop()) {
      try {
        if (!(await cache.match(url, { ignoreVary: true }))) {
          const response = await fetch(url);
          if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
          const body = await response.blob();
          await cache.put(url, new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }));
          bytes += body.size;
        }
        saved++;
        progress();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  progress();
  await Promise.all(Array.from({ length: PARALLEL_PHOTOS }, saveAll));

  if (failure) {
    const quota = failure instanceof DOMException && failure.name === 'QuotaExceededError';
    const why = quota ? 'storage is full' : `a photo could not be downloaded (${describe(failure)})`;
    show(options, 'partial', `Partly ready offline: ${count(saved)} of ${count(images.length)} product photos saved — ${why}; the others show when online`);
    return;
  }
  const stale = staleCaches(await caches.keys(), 'catalog', appBase.pathname, info.buildId);
  await Promise.all(stale.map((old) => caches.delete(old)));
  const fetched = bytes ? ` (${formatBytes(bytes)} downloaded in ${((performance.now() - started) / 1000).toFixed(1)} s)` : '';
  const updated = stale.length ? 'Catalog updated — ' : '';
  show(options, 'ready', `${updated}Ready offline: models, index and ${count(images.length)} product photos are on this device${fetched}`);
}
