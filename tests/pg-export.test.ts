/**
 * npm run export:pg against a real Postgres protocol server (PGlite + pgvector over pglite-socket): what it
 * writes, the atomic switch, rerun, an interrupted run, and the clear errors (database down, no pgvector, a
 * database of another schema version).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';
import { readManifest } from '../src/artifacts/node/read.js';
import { openDatabase } from '../src/server/node/database.js';
import { buildSchema } from '../src/server/node/sql.js';
import { runCliAsync, STACK_LINE } from './helpers/cli.js';
import { copyAsBuild, startTestDatabase, type TestDatabase } from './helpers/pg.js';

let db: TestDatabase;
const copies: string[] = [];
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.close();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

async function exportPg(artifacts: string, url = db.url) {
  const run = await runCliAsync('export-pg', ['--artifacts', artifacts, '--database-url', url]);
  return { ...run, result: run.code === 0 ? (JSON.parse(run.stdout) as { outcome: string; build_id: string; previous_build_id: string | null; dropped: string[] }) : null };
}

async function served(): Promise<{ build_id: string; previous_build_id: string | null } | undefined> {
  return (await db.pool.query('SELECT build_id, previous_build_id FROM vitrine.served')).rows[0];
}

async function buildSchemas(): Promise<string[]> {
  const { rows } = await db.pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'vitrine_build_%' ORDER BY nspname");
  return rows.map((r) => r.nspname);
}

/** A free loopback port: nothing listens there once this returns. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('npm run export:pg', () => {
  it('loads products, vectors, prompts and manifest, indexes the graph scopes, and serves the build', async () => {
    const manifest = await readManifest(TEST_ARTIFACTS_DIR);
    const { code, result, stderr } = await exportPg(TEST_ARTIFACTS_DIR);
    expect(code, stderr).toBe(0);
    expect(result).toEqual({ outcome: 'loaded', build_id: manifest.buildId, previous_build_id: null, dropped: [] });
    expect(stderr).toMatch(/rows: [\d,]+ \/ [\d,]+ rows/);
    expect(stderr).toMatch(/HNSW index 1\//);

    const schema = buildSchema(manifest.buildId);
    const counts = (
      await db.pool.query(
        `SELECT (SELECT count(*) FROM ${schema}.products)::int AS products, (SELECT count(*) FROM ${schema}.entries)::int AS entries, (SELECT count(*) FROM ${schema}.prompts)::int AS prompts`,
      )
    ).rows[0];
    expect(counts).toEqual({ products: manifest.counts.products, entries: manifest.counts.entries, prompts: manifest.prompts.categories.length });
    const stored = (await db.pool.query('SELECT manifest FROM vitrine.builds WHERE build_id = $1', [manifest.buildId])).rows[0]!.manifest;
    expect(stored).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(await served()).toEqual({ build_id: manifest.buildId, previous_build_id: null });

    // One HNSW index (cosine) per scope the manifest searches through a graph: partial indexes for categories.
    const graphs = manifest.categories.filter((c) => c.index.kind === 'hnsw');
    expect(graphs.length).toBeGreaterThan(0);
    const { rows: indexes } = await db.pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING hnsw%'", [schema]);
    expect(indexes).toHaveLength(graphs.length + (manifest.catalogIndex.kind === 'hnsw' ? 1 : 0));
    expect(indexes.every((i) => i.indexdef.includes('vector_cosine_ops'))).toBe(true);
    expect(indexes.filter((i) => / WHERE \(category_key = /.test(i.indexdef))).toHaveLength(graphs.length);
  });

  it('a rerun with the same artifacts changes nothing', async () => {
    const before = (await db.pool.query('SELECT build_id, loaded_at FROM vitrine.builds')).rows;
    const { code, result, stderr } = await exportPg(TEST_ARTIFACTS_DIR);
    expect(code, stderr).toBe(0);
    expect(result!.outcome).toBe('unchanged');
    expect(stderr).toMatch(/already loaded and served: nothing to do/);
    expect((await db.pool.query('SELECT build_id, loaded_at FROM vitrine.builds')).rows).toEqual(before);
  });

  it('a new build is switched in atomically; the one before is kept until the next switch, older ones dropped', async () => {
    const first = (await served())!.build_id;
    const second = copyAsBuild(TEST_ARTIFACTS_DIR, '5ec0bd0000000002');
    const third = copyAsBuild(TEST_ARTIFACTS_DIR, '7b1d000000000003');
    copies.push(second, third);

    expect((await exportPg(second)).result).toMatchObject({ outcome: 'loaded', build_id: '5ec0bd0000000002', previous_build_id: first, dropped: [] });
    expect(await served()).toEqual({ build_id: '5ec0bd0000000002', previous_build_id: first });
    expect(await buildSchemas()).toEqual([buildSchema('5ec0bd0000000002'), buildSchema(first)].sort());

    expect((await exportPg(third)).result).toMatchObject({ outcome: 'loaded', previous_build_id: '5ec0bd0000000002', dropped: [first] });
    expect(await buildSchemas()).toEqual([buildSchema('5ec0bd0000000002'), buildSchema('7b1d000000000003')].sort());
  });

  it('an interrupted export leaves the served build untouched and nothing half-written; the next run completes it', async () => {
    const before = await served();
    const schemasBefore = await buildSchemas();
    const fourth = copyAsBuild(TEST_ARTIFACTS_DIR, 'c0ffee0000000004');
    copies.push(fourth);

    const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, 'src/cli/export-pg.ts'), '--artifacts', fourth, '--database-url', db.url], {
      cwd: PROJECT_ROOT,
      // Its own process group: tsx runs the command in a child process, and both must die at once.
      detached: true,
    });
    let stderr = '';
    // Killed (no chance to clean up) inside its transaction, once it has created the build's schema and tables.
    await new Promise<void>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/loading build c0ffee0000000004 into schema/.test(stderr)) process.kill(-child.pid!, 'SIGKILL');
      });
      child.on('exit', () => done());
    });
    expect(stderr).toMatch(/loading build c0ffee0000000004/);
    expect(stderr).not.toMatch(/now serving/);

    // The socket closed mid-transaction: the server rolls it back.
    await expect.poll(async () => (await buildSchemas()).join(), { timeout: 15_000 }).toBe(schemasBefore.join());
    expect(await served()).toEqual(before);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM vitrine.builds WHERE build_id = $1', ['c0ffee0000000004'])).rows[0]!.n).toBe(0);

    expect((await exportPg(fourth)).result).toMatchObject({ outcome: 'loaded', build_id: 'c0ffee0000000004' });
  });

  it('a database of another schema version is refused with what to do', async () => {
    await db.pool.query('UPDATE vitrine.schema_version SET version = 99');
    try {
      const { code, stderr } = await exportPg(TEST_ARTIFACTS_DIR);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^export:pg: the database holds Vitrine's catalog in schema version 99, and this Vitrine reads version 1/m);
    } finally {
      await db.pool.query('UPDATE vitrine.schema_version SET version = 1');
    }
  });

  it('a database that is down: a one-line error naming where, exit 1, no stack trace', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await exportPg(TEST_ARTIFACTS_DIR, `postgres://vitrine:secret@127.0.0.1:${port}/shop`);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^export:pg: cannot connect to 127\\.0\\.0\\.1:${port}/shop: .*ECONNREFUSED.* — is PostgreSQL running there\\?`));
    expect(stderr).not.toMatch(/secret/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('the embedded database: a second command connects to the process that serves the folder instead of opening it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-embedded-'));
    const first = await openDatabase({ dataDir });
    try {
      expect(first.embedded).not.toBeNull();
      expect(JSON.parse(readFileSync(join(dataDir, 'vitrine-server.json'), 'utf8'))).toEqual({ pid: process.pid, url: first.embedded!.url });
      const second = await openDatabase({ dataDir });
      expect(second.embedded).toBeNull();
      expect(second.where).toMatch(/^the embedded database served by another process \(127\.0\.0\.1:\d+\/postgres\)$/);
      await second.pool.query('CREATE TABLE shared_check (n int)');
      await second.close();
      expect((await first.pool.query('SELECT count(*)::int AS n FROM shared_check')).rows[0]).toEqual({ n: 0 });
      await first.close();
      expect(existsSync(join(dataDir, 'vitrine-server.json'))).toBe(false);

      // A lock its process left behind, naming a live process id and an address nothing answers: started afresh.
      writeFileSync(join(dataDir, 'vitrine-server.json'), JSON.stringify({ pid: process.pid, url: `postgres://postgres@127.0.0.1:${await closedPort()}/postgres` }));
      const third = await openDatabase({ dataDir });
      expect(third.embedded).not.toBeNull();
      expect((await third.pool.query('SELECT count(*)::int AS n FROM shared_check')).rows[0]).toEqual({ n: 0 });
      await third.close();
    } finally {
      await first.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a database without pgvector: says so and what to install', async () => {
    const bare = await startTestDatabase({ withVector: false });
    try {
      const { code, stderr } = await exportPg(TEST_ARTIFACTS_DIR, bare.url);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^export:pg: 127\.0\.0\.1:\d+\/postgres lacks the pgvector extension — install pgvector/);
      expect(stderr).not.toMatch(STACK_LINE);
    } finally {
      await bare.close();
    }
  });
});
