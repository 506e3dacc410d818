import type pg from 'pg';
import type { SharedEmbeddings } from '../../index/node/build.js';
import { ensureSchema } from './schema.js';
import { parseVector, vectorLiteral } from './sql.js';

/** Rows per statement, both ways. */
const BATCH = 500;

/**
 * The embeddings of a build spread over several machines, shared through the database they all write into:
 * `vitrine.embeddings`, keyed like each machine's embedding cache (model fingerprint, file content, variant).
 * Writing the same image twice (two shards, a rerun) is harmless: the first row stays.
 */
export function databaseEmbeddings(pool: pg.Pool): SharedEmbeddings {
  return {
    async share(fingerprint, embedded) {
      const client = await pool.connect();
      client.on('error', () => undefined);
      try {
        await ensureSchema(client);
        const rows = embedded.flatMap((image) => image.semantic.map((semantic, variant) => ({ sha256: image.sha256, variant, semantic, visual: image.visual[variant]! })));
        for (let start = 0; start < rows.length; start += BATCH) {
          const batch = rows.slice(start, start + BATCH);
          await client.query(
            `INSERT INTO vitrine.embeddings SELECT $1, * FROM unnest($2::text[], $3::int[], $4::vector[], $5::vector[]) ON CONFLICT DO NOTHING`,
            [fingerprint, batch.map((r) => r.sha256), batch.map((r) => r.variant), batch.map((r) => vectorLiteral(r.semantic)), batch.map((r) => vectorLiteral(r.visual))],
          );
        }
      } finally {
        client.release();
      }
    },

    async fill(fingerprint, cache) {
      const client = await pool.connect();
      client.on('error', () => undefined);
      let added = 0;
      try {
        await ensureSchema(client);
        // Keyset pages: constant memory whatever the catalog's size.
        let after = { sha256: '', variant: -1 };
        for (;;) {
          const { rows } = await client.query<{ sha256: string; variant: number; semantic: string; visual: string }>(
            `SELECT sha256, variant, semantic::text, visual::text FROM vitrine.embeddings
             WHERE fingerprint = $1 AND (sha256, variant) > ($2, $3) ORDER BY sha256, variant LIMIT ${BATCH}`,
            [fingerprint, after.sha256, after.variant],
          );
          for (const r of rows) {
            if (cache.get(r.sha256, r.variant)) continue;
            cache.put(r.sha256, r.variant, parseVector(r.semantic), parseVector(r.visual));
            added++;
          }
          if (rows.length < BATCH) return added;
          after = rows.at(-1)!;
        }
      } finally {
        client.release();
      }
    },
  };
}
