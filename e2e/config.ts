/**
 * Where the e2e web server listens: the Playwright config and the server agree on it. VITRINE_E2E_PORT lets two
 * runs share a machine.
 */
export const E2E_PORT = Number(process.env.VITRINE_E2E_PORT ?? 4179);
export const E2E_URL = `http://localhost:${E2E_PORT}/`;
