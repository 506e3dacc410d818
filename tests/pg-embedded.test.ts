/** The embedded database serves several connections on PGlite's one backend, as a Postgres server would. */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from './helpers/pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase({ withVector: false });
});
afterAll(async () => {
  await db?.close();
});

it("keeps each connection's parameterised queries whole while other connections send theirs", async () => {
  const clients = Array.from({ length: 4 }, () => new pg.Client({ connectionString: db.url }));
  await Promise.all(clients.map((c) => c.connect()));
  // A large parameter splits a query's messages over several reads of the socket, as embeddings do.
  const large = 'x'.repeat(200_000);
  try {
    // Each query is Parse, Bind, Describe, Execute, Sync, and each connection's statement its own: another's Parse
    // between them replaced the unnamed statement this Bind names.
    const answers = await Promise.all(
      clients.map(async (client, c) => {
        const got: (number | string)[] = [];
        for (let i = 0; i < 150; i++) {
          const query = `SELECT $1::int * 10 + ${c} + 0 * length($2::text) AS n${c}`;
          got.push(await client.query<Record<string, number>>(query, [i, large]).then((r) => r.rows[0]![`n${c}`]!, (error: Error) => error.message));
        }
        return got;
      }),
    );
    answers.forEach((got, c) => expect(got).toEqual(Array.from({ length: 150 }, (_, i) => i * 10 + c)));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});
