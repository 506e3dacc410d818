import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../common/node/paths.js';
import { openDatabase } from '../server/node/database.js';
import { exportArtifacts } from '../server/node/export.js';
import { startSearchServer } from '../server/node/http.js';
import { checkServedModels } from '../server/node/models.js';
import { DEFAULT_RATE_LIMIT } from '../server/node/rate-limit.js';
import { servedBuild } from '../server/node/schema.js';
import { terminalProgress } from './progress.js';
import { runCli, UsageError } from './run.js';

const USAGE = `Usage: npm run serve -- [--database-url <url>] [--artifacts <dir>] [--port 4173]

Serves the web app in remote mode and its search API from PostgreSQL + pgvector: the page downloads the
models only, embeds the shopper's photo on the device, and sends the query vectors to POST /api/search, which
answers with the same JSON response as the page computes in local mode.

  --database-url <url>    postgres://user:password@host:5432/db (default: $DATABASE_URL; without either, the
                          embedded database in .pglite/, served to other commands over the wire protocol)
  --artifacts <dir>       serve this artifact set: loaded first (as npm run export:pg) unless already served
  --port <n>              port to listen on (default 4173)
  --host <address>        address to listen on (default 127.0.0.1; 0.0.0.0 behind a reverse proxy)
  --dist <dir>            the web app built by npm run build:web (default dist/)
  --rate-limit <n>        searches per second per client address (default ${DEFAULT_RATE_LIMIT.perSecond}, bursts of ${DEFAULT_RATE_LIMIT.burst})
  -h, --help              this text`;

await runCli('serve', USAGE, async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      artifacts: { type: 'string' },
      port: { type: 'string', default: '4173' },
      host: { type: 'string', default: '127.0.0.1' },
      dist: { type: 'string', default: join(PROJECT_ROOT, 'dist') },
      'rate-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
  const perSecond = values['rate-limit'] === undefined ? DEFAULT_RATE_LIMIT.perSecond : Number(values['rate-limit']);
  if (!(perSecond > 0)) throw new UsageError('--rate-limit must be a positive number');

  const database = await openDatabase({ url: values['database-url'] ?? process.env.DATABASE_URL });
  const stop = async () => {
    await database.close().catch(() => undefined);
    process.exit(0);
  };
  try {
    if (values.artifacts) await exportArtifacts(database.pool, values.artifacts, terminalProgress(process.stderr));
    checkServedModels((await servedBuild(database.pool)).manifest);
    const server = await startSearchServer({
      pool: database.pool,
      dist: values.dist,
      port,
      host: values.host,
      rateLimit: { perSecond, burst: Math.max(DEFAULT_RATE_LIMIT.burst, Math.ceil(perSecond * 4)) },
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    });
    process.once('SIGINT', () => void server.close().then(stop));
    process.once('SIGTERM', () => void server.close().then(stop));
    process.stderr.write(`Vitrine (remote mode, catalog in ${database.where}) at ${server.url} — Ctrl+C stops it\n`);
    process.stdout.write(`${server.url}\n`);
    return {};
  } catch (error) {
    await database.close();
    throw error;
  }
});
