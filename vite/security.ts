import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY, HARDENING, SECURITY_HEADERS } from '../src/common/shared/http-headers.js';

// The production policy and headers live in src/common/shared/http-headers.ts: `npm run serve` sends them too.
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS };

/**
 * The dev server (`npm run dev`) only: Vite's hot reload talks over a WebSocket (ws:) and injects the CSS of
 * changed modules and its error overlay as inline styles. Scripts stay as strict as in production.
 */
export const DEV_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("connect-src 'self'", "connect-src 'self' ws: wss:").replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
);

export const DEV_SECURITY_HEADERS = { 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY, ...HARDENING } as const;

/**
 * Also writes the policy into the built index.html as a <meta> tag, for static hosts that cannot send headers
 * (frame-ancestors is ignored there, and workers follow their own script's headers, so the header is preferred).
 */
export function cspMetaTag(): Plugin {
  const policy = CONTENT_SECURITY_POLICY.split('; ')
    .filter((d) => !d.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'vitrine-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
  };
}
