import pg from 'pg';
import type { ArtifactManifest, Product, ScopeIndex } from '../../artifacts/shared/format.js';
import type { CandidateQuery, CatalogInfo, CatalogSource, Neighbour, SourceCandidate } from '../../search/shared/source.js';
import { categoryKey } from '../../catalog/shared/taxonomy.js';
import type { ServedBuild } from './schema.js';
import { parseVector, vectorLiteral } from './sql.js';

/** Longest one search's queries may run on the database before it gives up (the API then answers 503). */
const STATEMENT_TIMEOUT_MS = 10_000;

/**
 * The catalog in Postgres + pgvector, as the shared search policy asks for it: the database finds the candidates
 * and computes their similarities; classification, fusion, dedup and the response stay the shared code's. Each
 * scope is searched as the build's manifest says, like the in-memory source: a graph scope through its HNSW index
 * (`<=>`, cosine, with hnsw.ef_search at least the candidates wanted, as hnswlib does), an exact scope by a scan
 * of all its entries. Similarities are inner products (`<#>`) of unit vectors: the cosines, as in the page.
 */
export class PgCatalogSource implements CatalogSource {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly manifest: ArtifactManifest,
    readonly info: CatalogInfo,
  ) {}

  /** `manifest` says how each scope is searched: the build's own, unless a caller asks for another (exact scans). */
  static async open(pool: pg.Pool, build: ServedBuild, manifest: ArtifactManifest = build.manifest): Promise<PgCatalogSource> {
    const { rows } = await pool.query<{ category: string; vector: string }>(`SELECT category, vector::text FROM ${build.schema}.prompts ORDER BY row`);
    const dim = manifest.vectors.semantic.dim;
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => data.set(parseVector(r.vector), i * dim));
    const info: CatalogInfo = {
      search: manifest.search,
      calibration: manifest.calibration,
      logitScale: manifest.models.textSemantic.spec.logitScale,
      prompts: { categories: rows.map((r) => r.category), vectors: { rows: rows.length, dim, data } },
      categories: new Map(manifest.categories.map((c) => [categoryKey(c.name), c.name])),
      entriesPerProduct: Math.ceil(manifest.counts.entries / manifest.counts.products),
      dims: { semantic: dim, visual: manifest.vectors.visual.dim },
    };
    return new PgCatalogSource(pool, build.schema, manifest, info);
  }

  private scopeIndex(scope: string | null): ScopeIndex {
    if (scope === null) return this.manifest.catalogIndex;
    const record = this.manifest.categories.find((c) => categoryKey(c.name) === scope);
    if (!record) throw new Error(`the catalog has no category "${scope}"`);
    return record.index;
  }

  /** One search's query, with its own timeout and HNSW breadth, in a transaction so that both stay with it. */
  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[], efSearch: number | null): Promise<R[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The connection dropping while this holds it (database restart) fails the query below; it must not crash the process.
    const dropped = (error: Error) => (broken = error);
    client.on('error', dropped);
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      if (efSearch !== null) await client.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(1, Math.round(efSearch)))}`);
      const { rows } = await client.query<R>(sql, params);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      broken = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-transaction is dropped, not reused.
      client.off('error', dropped);
      client.release(broken);
    }
  }

  async neighbours(semantic: Float32Array, products: number): Promise<Neighbour[]> {
    const k = products * this.info.entriesPerProduct;
    const graph = this.scopeIndex(null).kind === 'hnsw';
    // `<=>` is what the cosine HNSW index serves; `<#>` (no index) orders an exact scan, ties by entry as the page does.
    const order = graph ? 'semantic <=> $1' : 'semantic <#> $1, entry';
    const rows = await this.query<{ product: number; category: string; score: number }>(
      `SELECT product, category, -(semantic <#> $1) AS score FROM ${this.schema}.entries ORDER BY ${order} LIMIT ${k}`,
      [vectorLiteral(semantic)],
      graph ? Math.max(this.info.search.efSearch, k) : null,
    );
    // One vote per product: augmented copies of a product must not count several times.
    const seen = new Set<number>();
    const nearest: Neighbour[] = [];
    for (const r of rows) {
      if (seen.has(r.product) || nearest.length >= products) continue;
      seen.add(r.product);
      nearest.push({ category: r.category, score: r.score });
    }
    return nearest;
  }

  async candidates({ scope, probe, limit, second }: CandidateQuery): Promise<SourceCandidate[]> {
    const graph = this.scopeIndex(scope).kind === 'hnsw';
    const where = scope === null ? '' : `WHERE category_key = ${pg.escapeLiteral(scope)}`;
    // Graph scopes: the probe's nearest `limit` entries through the scope's index; exact scopes: all their entries.
    const nearest = graph ? `ORDER BY semantic <=> $1 LIMIT ${limit}` : '';
    const visual = second.space === 'visual';
    const rows = await this.query<{ entry: number; record: Product; semantic: number; second: number }>(
      `SELECT c.entry, p.record, c.semantic, ${visual ? 'c.second' : '-(p.name_vector <#> $1)'} AS second
       FROM (SELECT entry, product, -(semantic <#> $1) AS semantic${visual ? ', -(visual <#> $2) AS second' : ''}
             FROM ${this.schema}.entries ${where} ${nearest}) c
       JOIN ${this.schema}.products p USING (product)`,
      visual ? [vectorLiteral(probe), vectorLiteral(second.vector)] : [vectorLiteral(probe)],
      graph ? Math.max(this.info.search.efSearch, limit) : null,
    );
    return rows.map((r) => ({ entry: r.entry, product: r.record, semantic: r.semantic, visual: r.second }));
  }
}
