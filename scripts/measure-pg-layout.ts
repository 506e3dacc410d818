/**
 * Per-category HNSW indexes in Postgres + pgvector, two ways, on the demo catalog's vectors (every category
 * indexed, as a catalog with large categories would be): partial indexes on one table (one whole-catalog index +
 * one per category) vs a table partitioned by category (one index per partition; the whole catalog is a merge of
 * them). Build time, index size, query latency (p50) and recall@10 against an exact scan, side by side in one run,
 * on the embedded engine (PGlite over its wire protocol). The README's "Static + Postgres" section quotes it.
 *
 *   npx tsx scripts/measure-pg-layout.ts [--artifacts artifacts/demo] [--queries 40]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { categoryKey } from '../src/catalog/shared/taxonomy.js';
import { PROJECT_ROOT } from '../src/common/node/paths.js';
import { openCatalogDir } from '../src/search/node/catalog.js';
import { EmbeddedDatabase } from '../src/server/node/database.js';
import { vectorLiteral } from '../src/server/node/sql.js';
import { row } from '../src/vectors/shared/vector.js';

const { values } = parseArgs({ options: { artifacts: { type: 'string', default: join(PROJECT_ROOT, 'artifacts/demo') }, queries: { type: 'string', default: '40' } } });
const catalog = await openCatalogDir(values.artifacts);
const { manifest } = catalog;
const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-pg-layout-'));
const embedded = await EmbeddedDatabase.start(dataDir);
const client = new pg.Client({ connectionString: embedded.url });
await client.connect();
const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
const time = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await q('CREATE EXTENSION IF NOT EXISTS vector');
const dim = catalog.semantic.dim;
const categories = [...new Set(catalog.products.map((p) => categoryKey(p.category)))];
const { m, efConstruction } = manifest.hnsw;
const withParams = `WITH (m = ${m}, ef_construction = ${efConstruction})`;

async function load(table: string): Promise<number> {
  return time(async () => {
    for (let start = 0; start < manifest.counts.entries; start += 500) {
      const entries = Array.from({ length: Math.min(500, manifest.counts.entries - start) }, (_, i) => start + i);
      await q(`INSERT INTO ${table} SELECT * FROM unnest($1::int[], $2::text[], $3::vector[])`, [
        entries,
        entries.map((e) => categoryKey(catalog.products[catalog.entryProducts[e]!]!.category)),
        entries.map((e) => vectorLiteral(row(catalog.semantic, e))),
      ]);
    }
  });
}

const layouts = {
  partial: async () => {
    await q(`CREATE TABLE partial_entries (entry int, category_key text, semantic vector(${dim}))`);
    const loadMs = await load('partial_entries');
    const indexMs = await time(async () => {
      await q(`CREATE INDEX partial_all ON partial_entries USING hnsw (semantic vector_cosine_ops) ${withParams}`);
      for (const [i, key] of categories.entries()) {
        await q(`CREATE INDEX partial_c${i} ON partial_entries USING hnsw (semantic vector_cosine_ops) ${withParams} WHERE category_key = ${pg.escapeLiteral(key)}`);
      }
    });
    return { table: 'partial_entries', loadMs, indexMs };
  },
  partitions: async () => {
    await q(`CREATE TABLE part_entries (entry int, category_key text, semantic vector(${dim})) PARTITION BY LIST (category_key)`);
    for (const [i, key] of categories.entries()) await q(`CREATE TABLE part_c${i} PARTITION OF part_entries FOR VALUES IN (${pg.escapeLiteral(key)})`);
    const loadMs = await load('part_entries');
    const indexMs = await time(() => q(`CREATE INDEX part_all ON part_entries USING hnsw (semantic vector_cosine_ops) ${withParams}`));
    return { table: 'part_entries', loadMs, indexMs };
  },
};

const queryCount = Number(values.queries);
const queries = Array.from({ length: queryCount }, (_, i) => Math.floor((i * manifest.counts.entries) / queryCount));
const biggest = [...manifest.categories].sort((a, b) => b.entries - a.entries)[0]!;
const report: Record<string, unknown>[] = [];
for (const [name, make] of Object.entries(layouts)) {
  const { table, loadMs, indexMs } = await make();
  const { rows } = await q(
    `SELECT coalesce(sum(pg_relation_size(indexrelid)), 0)::bigint AS bytes FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relname = $1 OR relname LIKE $2)`,
    [table, name === 'partitions' ? 'part_c%' : table],
  );
  const scopes = { catalog: null, [biggest.name]: categoryKey(biggest.name) } as const;
  const measured: Record<string, unknown> = { layout: name, loadMs: Math.round(loadMs), indexMs: Math.round(indexMs), indexBytes: Number(rows[0]!.bytes) };
  for (const [scopeName, key] of Object.entries(scopes)) {
    const where = key === null ? '' : `WHERE category_key = ${pg.escapeLiteral(key)}`;
    const latencies: number[] = [];
    let found = 0;
    for (const entry of queries) {
      const probe = vectorLiteral(row(catalog.semantic, entry));
      await q('BEGIN');
      // The index path, as on a catalog whose categories are too large to scan (the demo's would be scanned).
      await q(`SET LOCAL hnsw.ef_search = ${manifest.search.efSearch}; SET LOCAL enable_seqscan = off`);
      let ids: number[] = [];
      latencies.push(await time(async () => (ids = (await q(`SELECT entry FROM ${table} ${where} ORDER BY semantic <=> $1 LIMIT 10`, [probe])).rows.map((r) => r.entry as number))));
      await q('COMMIT');
      // The exact answer: inner-product order, which no cosine index serves.
      const exact = (await q(`SELECT entry FROM ${table} ${where} ORDER BY semantic <#> $1, entry LIMIT 10`, [probe])).rows.map((r) => r.entry as number);
      found += ids.filter((id) => exact.includes(id)).length;
    }
    measured[`${scopeName} p50 ms`] = Number(median(latencies).toFixed(2));
    measured[`${scopeName} recall@10`] = Number((found / (10 * queries.length)).toFixed(3));
  }
  report.push(measured);
}
console.table(report);
console.log(JSON.stringify({ products: manifest.counts.products, categories: categories.length, loadavg: loadavg().map((x) => x.toFixed(2)).join(' '), report }));
await client.end();
await embedded.stop();
rmSync(dataDir, { recursive: true, force: true });
