/** Cross-origin isolation (COOP + COEP) lets the worker use multi-threaded WASM; CORP lets COEP pages load data. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;
