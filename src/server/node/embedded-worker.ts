/**
 * The embedded database in a worker thread (src/server/node/database.ts, startEmbedded): PGlite runs Postgres on the
 * thread that calls it, so it gets a thread of its own and the server's requests and the database's queries use two
 * cores. Says where it listens, and stops when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddedDatabase } from './database.js';

const port = parentPort!;
const { dataDir, port: listen } = workerData as { dataDir: string; port: number };
const database = await EmbeddedDatabase.start(dataDir, { port: listen });
port.postMessage({ url: database.url });
port.once('message', () => {
  void database.stop().finally(() => {
    port.postMessage({ stopped: true });
    port.close();
  });
});
