import type pg from 'pg';
import { validateManifest, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { DatabaseSetupError } from './database.js';

/**
 * How Vitrine's catalog sits in Postgres. Bump on any incompatible change: a server refuses a database written by
 * another version instead of misreading it.
 *
 *   vitrine.schema_version   one row: the version that wrote this database
 *   vitrine.builds           one row per loaded build: its id, its own schema, the artifact manifest, the photos' folder
 *   vitrine.served           one row: the build the API serves, and the one served before it (kept for in-flight searches)
 *   vitrine.embeddings       image embeddings the machines of a sharded build share (src/server/node/embeddings.ts)
 *   vitrine_build_<id>.*     one schema per build (src/server/node/export.ts): products, entries, prompts, HNSW indexes
 */
export const SCHEMA_VERSION = 1;

/** Serialises schema changes between processes (parallel exports, a shard of a build): one key, every client. */
export const SCHEMA_LOCK = 0x76697472; // "vitr"

export async function ensureSchema(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    await client.query('CREATE SCHEMA IF NOT EXISTS vitrine');
    await client.query('CREATE TABLE IF NOT EXISTS vitrine.schema_version (version int NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM vitrine.schema_version');
    if (rows.length === 0) await client.query('INSERT INTO vitrine.schema_version VALUES ($1)', [SCHEMA_VERSION]);
    else if (rows[0]!.version !== SCHEMA_VERSION) throw schemaMismatch(rows[0]!.version);
    await client.query(`CREATE TABLE IF NOT EXISTS vitrine.builds (
      build_id text PRIMARY KEY,
      schema_name text NOT NULL UNIQUE,
      manifest jsonb NOT NULL,
      catalog_dir text NOT NULL,
      loaded_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS vitrine.served (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      build_id text NOT NULL REFERENCES vitrine.builds,
      previous_build_id text REFERENCES vitrine.builds,
      switched_at timestamptz NOT NULL DEFAULT now())`);
    // What the machines of a sharded build embedded (build:index --shard i/N), until the final build reads it.
    await client.query(`CREATE TABLE IF NOT EXISTS vitrine.embeddings (
      fingerprint text NOT NULL,
      sha256 text NOT NULL,
      variant int NOT NULL,
      semantic vector NOT NULL,
      visual vector NOT NULL,
      PRIMARY KEY (fingerprint, sha256, variant))`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function schemaMismatch(version: number): DatabaseSetupError {
  return new DatabaseSetupError(
    `the database holds Vitrine's catalog in schema version ${version}, and this Vitrine reads version ${SCHEMA_VERSION} — export the artifacts into a new database (npm run export:pg -- --database-url …)`,
  );
}

export interface ServedBuild {
  readonly buildId: string;
  readonly schema: string;
  readonly manifest: ArtifactManifest;
  /** The product photos' folder, as the build recorded it. */
  readonly catalogDir: string;
}

/** The build the API serves now; a DatabaseSetupError that says what to run when there is none. */
export async function servedBuild(db: pg.Pool | pg.ClientBase): Promise<ServedBuild> {
  const version = await db.query<{ version: number }>('SELECT version FROM vitrine.schema_version').catch((error: { code?: string }) => {
    if (error.code === '42P01' || error.code === '3F000') return null; // no table, no schema: nothing loaded yet
    throw error;
  });
  if (version && version.rows[0] && version.rows[0].version !== SCHEMA_VERSION) throw schemaMismatch(version.rows[0].version);
  const { rows } = version
    ? await db.query<{ build_id: string; schema_name: string; manifest: unknown; catalog_dir: string }>(
        'SELECT b.build_id, b.schema_name, b.manifest, b.catalog_dir FROM vitrine.served s JOIN vitrine.builds b USING (build_id)',
      )
    : { rows: [] };
  if (rows.length === 0) throw new DatabaseSetupError('the database serves no catalog yet — load one with: npm run export:pg -- --artifacts <dir>');
  const row = rows[0]!;
  return { buildId: row.build_id, schema: row.schema_name, manifest: validateManifest(row.manifest), catalogDir: row.catalog_dir };
}

/** Just the id of the build served now (a cheap check whether a server should switch), or null. */
export async function servedBuildId(db: pg.Pool): Promise<string | null> {
  const { rows } = await db.query<{ build_id: string }>('SELECT build_id FROM vitrine.served');
  return rows[0]?.build_id ?? null;
}
