import type pg from 'pg';
import { servedBuild, servedBuildId, type ServedBuild } from './schema.js';
import { PgCatalogSource } from './source.js';

export interface ServedCatalog {
  readonly build: ServedBuild;
  readonly source: PgCatalogSource;
}

/** How often a server asks which build is served: a switch by `npm run export:pg` is picked up this soon. */
const RECHECK_MS = 5_000;

/**
 * The build the API answers from, following `vitrine.served`: checked at most every few seconds, and at once after
 * a query failed because the build it read is gone (switched and dropped meanwhile).
 */
export class ServedCatalogs {
  private checkedAt = 0;
  private pending: Promise<ServedCatalog> | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private served: ServedCatalog,
  ) {
    this.checkedAt = Date.now();
  }

  static async open(pool: pg.Pool): Promise<ServedCatalogs> {
    const build = await servedBuild(pool);
    return new ServedCatalogs(pool, { build, source: await PgCatalogSource.open(pool, build) });
  }

  /** What is served now, without asking the database. */
  get latest(): ServedCatalog {
    return this.served;
  }

  current(): Promise<ServedCatalog> {
    if (Date.now() - this.checkedAt < RECHECK_MS) return Promise.resolve(this.served);
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  /** After "no such table": the build was switched and dropped; the next call reads the new one. */
  forget(): void {
    this.checkedAt = 0;
  }

  private async refresh(): Promise<ServedCatalog> {
    const id = await servedBuildId(this.pool);
    if (id !== this.served.build.buildId) {
      const build = await servedBuild(this.pool);
      this.served = { build, source: await PgCatalogSource.open(this.pool, build) };
    }
    this.checkedAt = Date.now();
    return this.served;
  }
}
