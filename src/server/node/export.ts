import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { folderReader } from '../../artifacts/node/read.js';
import { STATS_FILE, type ArtifactManifest } from '../../artifacts/shared/format.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { Progress } from '../../common/shared/progress.js';
import { openCatalogDir } from '../../search/node/catalog.js';
import { readProductTexts, type SearchCatalog } from '../../search/shared/catalog.js';
import { row, type Matrix } from '../../vectors/shared/vector.js';
import { ensureSchema, SCHEMA_LOCK } from './schema.js';
import { buildSchema, vectorLiteral } from './sql.js';

/** Rows per INSERT: a few megabytes of vector text per statement. */
const BATCH = 500;

export type ExportOutcome = 'loaded' | 'switched' | 'unchanged';

export interface ExportResult {
  readonly outcome: ExportOutcome;
  readonly buildId: string;
  /** The build served before this one (kept until the next switch), or null. */
  readonly previous: string | null;
  /** Builds older than that, dropped at the switch. */
  readonly dropped: readonly string[];
}

/** `hnsw_<scope>`: the HNSW index of the whole catalog, or of one category (a partial index). */
function indexName(scope: number | null): string {
  return scope === null ? 'entries_catalog_hnsw' : `entries_category_${scope}_hnsw`;
}

/**
 * Loads an artifact set into Postgres + pgvector and serves it:
 *
 * 1. one transaction writes the build into its own schema (`vitrine_build_<id>`): products (record and name
 *    vector), entries (semantic and visual vectors, category), category prompts, and the HNSW indexes (cosine) the
 *    manifest asks for — the whole catalog, and each category with a graph as a partial index on the one entries
 *    table (measured against a table partitioned by category: scripts/measure-pg-layout.ts, README) — then records
 *    it in `vitrine.builds`. An interruption rolls all of it back: nothing half-written, the served build untouched;
 * 2. a second, short transaction switches `vitrine.served` to it, keeps the build served before (searches in
 *    flight may still read it) and drops any older one.
 *
 * A build already loaded is not loaded again: rerunning is a no-op, or only the switch when a run stopped between
 * the two steps.
 */
export async function exportArtifacts(pool: pg.Pool, dir: string, progress: Progress): Promise<ExportResult> {
  const catalog = await openCatalogDir(dir);
  const { catalog: catalogDir } = JSON.parse(await readFile(join(dir, STATS_FILE), 'utf8')) as { catalog: string };
  return exportCatalog(pool, { catalog, productTexts: () => readProductTexts(catalog.manifest, folderReader(dir)), catalogDir: resolve(dir, catalogDir) }, progress);
}

/** A catalog to load: what the artifacts hold, opened (or made in memory, as the load bench's larger catalogs are). */
export interface CatalogToLoad {
  readonly catalog: SearchCatalog;
  /** The product-name vectors, read only when the build is not loaded yet. */
  readonly productTexts: () => Promise<Matrix>;
  /** The folder of the product photos. */
  readonly catalogDir: string;
}

export async function exportCatalog(pool: pg.Pool, { catalog, productTexts, catalogDir }: CatalogToLoad, progress: Progress): Promise<ExportResult> {
  const { manifest } = catalog;
  const buildId = manifest.buildId;
  const schema = buildSchema(buildId);
  const client = await pool.connect();
  // A dropped connection fails the query in flight; without a listener it would also end the process.
  client.on('error', () => undefined);
  try {
    await ensureSchema(client);
    const loaded = await client.query('SELECT 1 FROM vitrine.builds WHERE build_id = $1', [buildId]);
    if (loaded.rowCount === 0) {
      const texts = await productTexts();
      await client.query('BEGIN');
      try {
        // Two exports of one build at once: the second waits here, then finds it loaded.
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCHEMA_LOCK, buildId]);
        const again = await client.query('SELECT 1 FROM vitrine.builds WHERE build_id = $1', [buildId]);
        if (again.rowCount === 0) await writeBuild(client, schema, catalog, texts, catalogDir, progress);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    return await publish(client, buildId, loaded.rowCount !== 0, progress);
  } finally {
    client.release();
  }
}

async function writeBuild(client: pg.ClientBase, schema: string, catalog: SearchCatalog, texts: Matrix, catalogDir: string, progress: Progress): Promise<void> {
  const { manifest, products, entryProducts, semantic, visual, prompts } = catalog;
  const semanticDim = semantic.dim;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`CREATE TABLE ${schema}.prompts (row int PRIMARY KEY, category text NOT NULL, vector vector(${prompts.vectors.dim}) NOT NULL)`);
  await client.query(`CREATE TABLE ${schema}.products (product int PRIMARY KEY, record jsonb NOT NULL, name_vector vector(${texts.dim}) NOT NULL)`);
  await client.query(`CREATE TABLE ${schema}.entries (
    entry int PRIMARY KEY,
    product int NOT NULL,
    category text NOT NULL,
    category_key text NOT NULL,
    semantic vector(${semanticDim}) NOT NULL,
    visual vector(${visual.dim}) NOT NULL)`);

  progress.line(`loading build ${manifest.buildId} into schema ${schema}: ${products.length.toLocaleString('en')} products, ${manifest.counts.entries.toLocaleString('en')} entries`);
  await client.query(`INSERT INTO ${schema}.prompts SELECT * FROM unnest($1::int[], $2::text[], $3::vector[])`, [
    prompts.categories.map((_, i) => i),
    prompts.categories,
    prompts.categories.map((_, i) => vectorLiteral(row(prompts.vectors, i))),
  ]);
  const total = products.length + manifest.counts.entries;
  for (let start = 0; start < products.length; start += BATCH) {
    const ids = range(start, Math.min(products.length, start + BATCH));
    await client.query(`INSERT INTO ${schema}.products SELECT * FROM unnest($1::int[], $2::jsonb[], $3::vector[])`, [
      ids,
      ids.map((p) => JSON.stringify(products[p])),
      ids.map((p) => vectorLiteral(row(texts, p))),
    ]);
    progress.count('rows', start + ids.length, total, 'rows');
  }
  for (let start = 0; start < manifest.counts.entries; start += BATCH) {
    const entries = range(start, Math.min(manifest.counts.entries, start + BATCH));
    const categories = entries.map((e) => products[entryProducts[e]!]!.category);
    await client.query(`INSERT INTO ${schema}.entries SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::vector[], $6::vector[])`, [
      entries,
      entries.map((e) => entryProducts[e]),
      categories,
      categories.map(categoryKey),
      entries.map((e) => vectorLiteral(row(semantic, e))),
      entries.map((e) => vectorLiteral(row(visual, e))),
    ]);
    progress.count('rows', products.length + start + entries.length, total, 'rows');
  }
  await client.query(`CREATE INDEX ON ${schema}.entries (category_key)`);
  await createHnswIndexes(client, schema, manifest, progress);
  await checkCounts(client, schema, manifest);
  await client.query('INSERT INTO vitrine.builds (build_id, schema_name, manifest, catalog_dir) VALUES ($1, $2, $3, $4)', [
    manifest.buildId,
    schema,
    JSON.stringify(manifest),
    catalogDir,
  ]);
}

/** The scopes the manifest searches through a graph get an HNSW index (cosine) with the build's M and efConstruction. */
async function createHnswIndexes(client: pg.ClientBase, schema: string, manifest: ArtifactManifest, progress: Progress): Promise<void> {
  const graphs = manifest.categories.flatMap((c, i) => (c.index.kind === 'hnsw' ? [{ name: c.name, scope: i, entries: c.entries }] : []));
  const scopes = [...(manifest.catalogIndex.kind === 'hnsw' ? [{ name: 'whole catalog', scope: null, entries: manifest.counts.entries }] : []), ...graphs];
  const { m, efConstruction } = manifest.hnsw;
  for (const [done, { name, scope, entries }] of scopes.entries()) {
    const started = performance.now();
    const where = scope === null ? '' : ` WHERE category_key = ${pg.escapeLiteral(categoryKey(name))}`;
    await client.query(
      `CREATE INDEX ${indexName(scope)} ON ${schema}.entries USING hnsw (semantic vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})${where}`,
    );
    progress.line(`HNSW index ${done + 1}/${scopes.length}: ${name} (${entries.toLocaleString('en')} entries) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** What was written is what the manifest describes, before the build can be published. */
async function checkCounts(client: pg.ClientBase, schema: string, manifest: ArtifactManifest): Promise<void> {
  const { rows } = await client.query<{ products: number; entries: number; prompts: number }>(
    `SELECT (SELECT count(*) FROM ${schema}.products)::int AS products, (SELECT count(*) FROM ${schema}.entries)::int AS entries, (SELECT count(*) FROM ${schema}.prompts)::int AS prompts`,
  );
  const counted = rows[0]!;
  const expected = { products: manifest.counts.products, entries: manifest.counts.entries, prompts: manifest.prompts.categories.length };
  for (const key of ['products', 'entries', 'prompts'] as const) {
    if (counted[key] !== expected[key]) throw new Error(`the database holds ${counted[key]} ${key} of build ${manifest.buildId}, the manifest says ${expected[key]}`);
  }
}

/** The atomic switch: `vitrine.served` names the new build; the one before stays, older ones go. */
async function publish(client: pg.ClientBase, buildId: string, wasLoaded: boolean, progress: Progress): Promise<ExportResult> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    const { rows } = await client.query<{ build_id: string; previous_build_id: string | null }>('SELECT build_id, previous_build_id FROM vitrine.served FOR UPDATE');
    const current = rows[0] ?? null;
    if (current?.build_id === buildId) {
      await client.query('COMMIT');
      progress.line(`build ${buildId} is already loaded and served: nothing to do`);
      return { outcome: 'unchanged', buildId, previous: current.previous_build_id, dropped: [] };
    }
    const previous = current?.build_id ?? null;
    await client.query(
      `INSERT INTO vitrine.served (singleton, build_id, previous_build_id, switched_at) VALUES (true, $1, $2, now())
       ON CONFLICT (singleton) DO UPDATE SET build_id = excluded.build_id, previous_build_id = excluded.previous_build_id, switched_at = now()`,
      [buildId, previous],
    );
    const stale = await client.query<{ build_id: string; schema_name: string }>('SELECT build_id, schema_name FROM vitrine.builds WHERE build_id <> ALL($1::text[])', [
      [buildId, ...(previous ? [previous] : [])],
    ]);
    for (const old of stale.rows) {
      await client.query(`DROP SCHEMA IF EXISTS ${buildSchema(old.build_id)} CASCADE`);
      await client.query('DELETE FROM vitrine.builds WHERE build_id = $1', [old.build_id]);
    }
    await client.query('COMMIT');
    progress.line(`now serving build ${buildId}${previous ? ` (was ${previous}, kept until the next switch)` : ''}`);
    return { outcome: wasLoaded ? 'switched' : 'loaded', buildId, previous, dropped: stale.rows.map((r) => r.build_id) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
