/**
 * Cache Storage layout of the offline app, shared by the page (which fills the catalog cache) and the service worker
 * (which fills the shell cache and answers from both). Cache Storage belongs to the whole origin: every name carries
 * the app's path, so two shops under one origin never delete each other's caches.
 *
 *   vitrine-shell <path> <app build>      index.html and the built scripts, styles and WASM runtimes of one build
 *   vitrine-catalog <path> <catalog build> artifacts/manifest.json and the product photos of one index build
 */
export type CacheKind = 'shell' | 'catalog';

export function cacheName(kind: CacheKind, appPath: string, build: string): string {
  return `${cachePrefix(kind, appPath)}${build}`;
}

export function cachePrefix(kind: CacheKind, appPath: string): string {
  return `vitrine-${kind} ${appPath} `;
}

/** Caches of this kind and app path that belong to another build: the ones to delete once `build` is complete. */
export function staleCaches(names: readonly string[], kind: CacheKind, appPath: string, build: string): string[] {
  const prefix = cachePrefix(kind, appPath);
  const current = cacheName(kind, appPath, build);
  return names.filter((name) => name.startsWith(prefix) && name !== current);
}

/** What the service worker injects into itself at build time (vite/service-worker.ts). */
export interface ShellBuild {
  /** Hash of the built files' names and index.html: changes with every app build. */
  readonly version: string;
  /** Paths relative to the app's folder, fetched when the service worker installs. */
  readonly precache: readonly string[];
  /** Built files cached the first time they are fetched: the WASM runtime of the backend this device uses. */
  readonly onDemand: readonly string[];
}

export type Route =
  /** The page itself: network first (a new deploy shows at once), the cached shell when offline. */
  | 'page'
  /** A file of this app build (content-hashed): cache first. */
  | 'build-file'
  /** The index manifest, fetched on every load: network first, the last complete catalog's copy when offline. */
  | 'manifest'
  /** A product photo: cache first (precached for kiosks), else the network. */
  | 'catalog'
  /** Models and index files live in IndexedDB (src/assets/browser/file-cache.ts); anything else is not ours. */
  | 'network';

/** What the page posts to an active service worker that does not control it yet (a hard reload bypasses it). */
export const CLAIM_MESSAGE = 'vitrine:claim';
/** Beside index.html, so its scope is the app's folder. */
export const SERVICE_WORKER_FILE = 'sw.js';
export const MANIFEST_PATH = 'artifacts/manifest.json';
export const SHELL_PAGE = 'index.html';

/** How the service worker answers a same-origin GET for `path`, relative to the app's folder (no query). */
export function routeOf(path: string, isNavigation: boolean, build: ShellBuild): Route {
  if (isNavigation) return path === '' || path === SHELL_PAGE ? 'page' : 'network';
  if (path === MANIFEST_PATH) return 'manifest';
  if (path.startsWith('catalog/')) return 'catalog';
  if (build.precache.includes(path) || build.onDemand.includes(path)) return 'build-file';
  return 'network';
}
