import { describe, expect, it } from 'vitest';
import { cacheName, routeOf, staleCaches, type ShellBuild } from './caches.js';

const build: ShellBuild = { version: 'v2', precache: ['index.html', 'assets/index-abc.js'], onDemand: ['assets/ort-wasm-simd-threaded-xyz.wasm'] };

describe('offline caches', () => {
  it('names caches by kind, app folder and build, and finds the stale ones of the same app only', () => {
    const names = [
      cacheName('catalog', '/shop/', 'old'),
      cacheName('catalog', '/shop/', 'new'),
      cacheName('shell', '/shop/', 'new'),
      cacheName('catalog', '/other-shop/', 'old'),
      'somebody-elses-cache',
    ];
    expect(staleCaches(names, 'catalog', '/shop/', 'new')).toEqual([cacheName('catalog', '/shop/', 'old')]);
    expect(staleCaches(names, 'shell', '/shop/', 'new')).toEqual([]);
    // An app in a subfolder is another app.
    expect(staleCaches([cacheName('catalog', '/shop/x/', 'a')], 'catalog', '/shop/', 'b')).toEqual([]);
  });

  it('routes the page, the manifest, product photos and this build’s files; leaves models and index to IndexedDB', () => {
    expect(routeOf('', true, build)).toBe('page');
    expect(routeOf('index.html', true, build)).toBe('page');
    expect(routeOf('catalog/1.jpg', true, build)).toBe('network');
    expect(routeOf('artifacts/manifest.json', false, build)).toBe('manifest');
    expect(routeOf('catalog/sub/1.jpg', false, build)).toBe('catalog');
    expect(routeOf('assets/index-abc.js', false, build)).toBe('build-file');
    expect(routeOf('assets/ort-wasm-simd-threaded-xyz.wasm', false, build)).toBe('build-file');
    expect(routeOf('assets/index-OLD.js', false, build)).toBe('network');
    expect(routeOf('artifacts/products.json', false, build)).toBe('network');
    expect(routeOf('models/clip/model.onnx', false, build)).toBe('network');
  });
});
