/**
 * Where the e2e web server listens: the Playwright config and the server agree on it. VITRINE_E2E_PORT lets two
 * runs share a machine.
 */
export const E2E_PORT = Number(process.env.VITRINE_E2E_PORT ?? 4179);
export const E2E_URL = `http://localhost:${E2E_PORT}/`;

/** Debian's Chromium, headless, with nothing that reaches outside this machine. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
