/**
 * The service worker (built to `sw.js` beside index.html by vite/service-worker.ts): keeps the app working with the
 * network off. It installs the app shell of its build into Cache Storage, caches the WASM runtime the first time it
 * is fetched, and answers product photos and the index manifest from the catalog cache the page fills
 * (src/offline/page/offline.ts). Models and index files need nothing here: the search worker keeps them in IndexedDB.
 *
 * Responses are stored whole, headers included, so a page or worker script served from the cache keeps its
 * Cross-Origin-Opener/Embedder-Policy (multi-threaded WASM) and its Content-Security-Policy.
 */
import { CLAIM_MESSAGE, cacheName, cachePrefix, routeOf, SHELL_PAGE, staleCaches, type ShellBuild } from '../shared/caches.js';

/** This build's file list, defined when vite/service-worker.ts builds the service worker. */
declare const __VITRINE_SHELL_BUILD__: ShellBuild;
const BUILD = __VITRINE_SHELL_BUILD__;

const sw = self as unknown as ServiceWorkerGlobalScope;
const scope = new URL(sw.registration.scope);
const shellCache = cacheName('shell', scope.pathname, BUILD.version);
const catalogPrefix = cachePrefix('catalog', scope.pathname);
/**
 * Every cached file is one fixed file of its build (names and builds are content-hashed), whatever the request's
 * headers: hosts that send `Vary: Origin` (vite preview does) would otherwise miss module scripts, which are
 * requested with an Origin header the precache requests lacked. The query string never selects another file.
 */
const MATCH: CacheQueryOptions = { ignoreSearch: true, ignoreVary: true };

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shellCache);
      // Built files keep their content-hashed name while unchanged: those an earlier build cached (the WASM runtime
      // too, which this device would otherwise lack offline until its next load) are copied, not downloaded again.
      const download: Request[] = [];
      for (const path of [...BUILD.precache, ...BUILD.onDemand]) {
        const url = new URL(path, scope).href;
        const earlier = path === SHELL_PAGE ? undefined : await caches.match(url, MATCH);
        if (earlier) await cache.put(url, earlier);
        // 'reload': from the server, never an older copy in the HTTP cache.
        else if (BUILD.precache.includes(path)) download.push(new Request(url, { cache: 'reload' }));
      }
      await cache.addAll(download);
      // A new build takes over at once; the page offers a reload (a kiosk reloads when nobody is using it).
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await Promise.all(staleCaches(await caches.keys(), 'shell', scope.pathname, BUILD.version).map((name) => caches.delete(name)));
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  if (event.data === CLAIM_MESSAGE) event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const route = routeOf(url.pathname.slice(scope.pathname.length), request.mode === 'navigate', BUILD);
  switch (route) {
    case 'page':
      event.respondWith(networkFirst(request, () => fromShell(new URL(SHELL_PAGE, scope).href)));
      return;
    case 'manifest':
      event.respondWith(networkFirst(request, latestCatalogCopy));
      return;
    case 'catalog':
      event.respondWith(fromCatalog(request));
      return;
    case 'build-file':
      event.respondWith(buildFile(request, event));
      return;
    case 'network':
      return;
  }
});

async function networkFirst(request: Request, fallback: (request: Request) => Promise<Response | undefined>): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fallback(request);
    if (cached) return cached;
    throw error;
  }
}

/**
 * The cached index.html. A redirected response may not answer a navigation: such a copy is re-wrapped (same body,
 * status and headers).
 */
async function fromShell(url: string): Promise<Response | undefined> {
  const cached = await (await caches.open(shellCache)).match(url, MATCH);
  if (!cached?.redirected) return cached;
  return new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers: cached.headers });
}

/**
 * The manifest of the newest catalog cache (caches.keys() lists caches in creation order): the page writes it only
 * once the engine has loaded that build, so its files are in IndexedDB.
 */
async function latestCatalogCopy(request: Request): Promise<Response | undefined> {
  const names = (await caches.keys()).filter((name) => name.startsWith(catalogPrefix)).reverse();
  for (const name of names) {
    const cached = await (await caches.open(name)).match(request, MATCH);
    if (cached) return cached;
  }
  return undefined;
}

async function fromCatalog(request: Request): Promise<Response> {
  return (await caches.match(request, MATCH)) ?? fetch(request);
}

async function buildFile(request: Request, event: FetchEvent): Promise<Response> {
  const cache = await caches.open(shellCache);
  const cached = await cache.match(request, MATCH);
  if (cached) return cached;
  const response = await fetch(request);
  // The WASM runtime of this device's backend, on its first fetch; hashed names never change content.
  if (response.status === 200) event.waitUntil(cache.put(request, response.clone()));
  return response;
}
