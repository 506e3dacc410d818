/** Cross-origin isolation (COOP + COEP) lets the worker use multi-threaded WASM; CORP lets COEP pages load data. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/**
 * The Content-Security-Policy of the built app (`vite preview`, `npm run serve`, and what docs/security.md asks
 * static hosts to send). Everything the page and its workers load comes from this origin; the policy says so and
 * nothing more:
 *
 * - default-src 'self'              anything not named below: this origin only (fonts, manifests, media…)
 * - script-src 'self' 'wasm-unsafe-eval'
 *                                   scripts and module workers are files from this origin — no inline script, no
 *                                   eval — and WebAssembly may be compiled (onnxruntime-web, hnswlib-wasm); that
 *                                   allows compiling WASM, not evaluating JavaScript strings
 * - worker-src 'self'               the search worker and onnxruntime's thread workers (it spawns them from its own
 *                                   same-origin script URL; it would use blob: only for a cross-origin script),
 *                                   and the offline service worker (sw.js)
 * - connect-src 'self'              fetches: the manifest, models, index files, and in remote mode the shop's
 *                                   search API on this same origin — nothing leaves for another origin
 * - img-src 'self' blob: data:      product photos (self), the shopper's photo preview (a blob: URL of the local
 *                                   file, never uploaded), the favicon (a data: SVG in index.html)
 * - style-src 'self'                the one stylesheet; no inline style
 * - object-src 'none', base-uri 'none', form-action 'none', frame-ancestors 'none'
 *                                   no plugins, no <base> rewriting of relative URLs, no form posts, and no framing
 *                                   by another site (clickjacking); frame-ancestors only works as a header
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Sent with every response, besides the policy: no MIME sniffing, no referrer, and no powerful features but the
 * camera, for this page itself only ("Take a photo"; never for a frame from elsewhere).
 */
export const HARDENING = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
} as const;

export const SECURITY_HEADERS = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...HARDENING } as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

/** The Content-Type of a served file, by its extension (binary data for any other: models, index files). */
export function contentTypeOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return (dot > 0 && CONTENT_TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream';
}
