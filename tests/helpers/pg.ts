import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MANIFEST_FILE } from '../../src/artifacts/shared/format.js';
import { EmbeddedDatabase } from '../../src/server/node/database.js';

export interface TestDatabase {
  readonly embedded: EmbeddedDatabase;
  readonly pool: pg.Pool;
  readonly url: string;
  close(): Promise<void>;
}

/** A real Postgres protocol server for a test: PGlite (+ pgvector unless told otherwise) over pglite-socket, in a temporary folder. */
export async function startTestDatabase({ withVector = true } = {}): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-pg-'));
  const embedded = await EmbeddedDatabase.start(dir, { withVector });
  const pool = new pg.Pool({ connectionString: embedded.url, max: 4, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  return {
    embedded,
    pool,
    url: embedded.url,
    async close() {
      await pool.end();
      await embedded.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A copy of an artifact set under another build id: the same catalog, published as a new build. */
export function copyAsBuild(artifacts: string, buildId: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vitrine-build-${buildId}-`));
  cpSync(artifacts, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { buildId: string };
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ ...manifest, buildId }));
  return dir;
}
