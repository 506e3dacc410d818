import { parseArgs } from 'node:util';
import { openDatabase } from '../server/node/database.js';
import { exportArtifacts } from '../server/node/export.js';
import { terminalProgress } from './progress.js';
import { runCli, UsageError } from './run.js';

const USAGE = `Usage: npm run export:pg -- --artifacts <dir> [--database-url <url>]

Loads an artifact set (npm run build:index) into PostgreSQL + pgvector and makes it the build that
npm run serve answers from: products, the vectors of every signal, category prompts and the manifest, in one
transaction, with HNSW indexes (cosine) for the whole catalog and each large category; then an atomic switch.
The build served before stays until the next switch. Rerunning with the same artifacts does nothing. An
interrupted run leaves the served build untouched. Prints {outcome, build_id, previous_build_id, dropped}.

  --artifacts <dir>       artifact folder to load
  --database-url <url>    postgres://user:password@host:5432/db (default: $DATABASE_URL; without either, the
                          embedded database in .pglite/, or the one a running npm run serve holds)
  -h, --help              this text`;

await runCli('export:pg', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: { artifacts: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return { help: true };
  if (!values.artifacts) throw new UsageError('--artifacts is required');
  const database = await openDatabase({ url: values['database-url'] ?? process.env.DATABASE_URL, max: 2, queryTimeoutMs: 0 });
  try {
    const progress = terminalProgress(process.stderr);
    progress.line(`exporting ${values.artifacts} into ${database.where}`);
    const result = await exportArtifacts(database.pool, values.artifacts, progress);
    process.stdout.write(`${JSON.stringify({ outcome: result.outcome, build_id: result.buildId, previous_build_id: result.previous, dropped: result.dropped })}\n`);
    return {};
  } finally {
    await database.close();
  }
});
