import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { PROJECT_ROOT } from '../../common/node/paths.js';

/** Where the embedded database keeps its data when no DATABASE_URL is given (gitignored). */
export const EMBEDDED_DATA_DIR = join(PROJECT_ROOT, '.pglite');

/** The database cannot be reached, dropped the connection, or is shutting down: the API answers 503. */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

/** The database answers but cannot hold Vitrine's catalog as it is (no pgvector, another schema version, no build). */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Postgres SQLSTATEs for a server going away or not ready: admin/crash shutdown, cannot connect now, too many connections.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);

/** Whether an error means "the database is not there right now" (retry later) rather than a fault in the query. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  const { code, message } = error as { code?: string; message?: string };
  if (code && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_STATES.has(code))) return true;
  // "Query read timeout": no answer within the pool's query timeout (a database busy or stuck, as the embedded one is
  // while an export's transaction holds it).
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Too many connections|socket hang up|Query read timeout/i.test(
    message ?? '',
  );
}

/** Where to: host and port (or socket), never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the given DATABASE_URL (not a valid URL)';
  }
}

export interface PoolOptions {
  /** Connections kept open (the API's concurrency towards the database). */
  readonly max?: number;
  /** Give up connecting after this long: the API answers 503 instead of hanging. */
  readonly connectTimeoutMs?: number;
  /** How long the client waits for one query (0: no limit); searches also set `statement_timeout` on the server. */
  readonly queryTimeoutMs?: number;
}

export interface Database {
  readonly pool: pg.Pool;
  /** Host, port and database, without credentials: for messages. */
  readonly where: string;
  /** The embedded engine, when this process started it. */
  readonly embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

function makePool(url: string, options: PoolOptions): pg.Pool {
  const queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 8,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    query_timeout: queryTimeoutMs || undefined, // 0: no limit (an export builds indexes for minutes)
    application_name: 'vitrine',
  });
  // An idle connection the server dropped (restart, failover) must not take the process down; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * PGlite (Postgres compiled to WASM) with pgvector, in this process, served over the Postgres wire protocol on a
 * loopback port: everything else talks to it exactly as to a PostgreSQL server. One process owns a data folder at
 * a time; a lock file in it says which, and where it listens, so a second command connects instead of opening it.
 */
export class EmbeddedDatabase {
  private constructor(
    readonly dataDir: string,
    private db: PGlite,
    private server: PGLiteSocketServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(dataDir: string, { port = 0, withVector = true } = {}): Promise<EmbeddedDatabase> {
    mkdirSync(dataDir, { recursive: true });
    const db = await withoutWindow(() => PGlite.create({ dataDir, extensions: withVector ? { vector } : {} }));
    const server = new PGLiteSocketServer({ db: messageSequencesKept(db), host: '127.0.0.1', port, maxConnections: 64 });
    await server.start();
    const listening = Number(server.getServerConn().split(':').pop());
    const embedded = new EmbeddedDatabase(dataDir, db, server, listening);
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: process.pid, url: embedded.url }));
    return embedded;
  }

  /** Stops listening and closes the data folder (connections in flight are cut, as when a server stops). */
  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(lockFile(this.dataDir), { force: true });
  }

  /** Opens the same folder again on the same port: a database restart, as the fault tests and bench do it. */
  async restart(): Promise<void> {
    const again = await EmbeddedDatabase.start(this.dataDir, { port: this.port });
    this.db = again.db;
    this.server = again.server;
  }
}

/** Extended-protocol messages (Parse, Bind, Describe, Execute, Close, Flush): a sequence that Sync ends. */
const EXTENDED_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
/** Sync, a simple Query and Terminate leave no sequence open. */
const SEQUENCE_ENDS = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket runs every connection's messages on PGlite's one backend, message by message, and keeps one
 * connection's messages together only inside a transaction. A parameterised query outside one is several messages
 * (Parse, Bind, Describe, Execute, Sync): another connection's Parse between them replaced the unnamed statement
 * ("unnamed prepared statement does not exist", seen with two concurrent `build:index --shard` processes). The
 * server gets this view of the database, which reports an open sequence as a transaction, so the queue keeps the
 * connection that began it until its Sync (and rolls back, ending it, when that connection drops).
 */
function messageSequencesKept(db: PGlite): PGlite {
  let open = false;
  return new Proxy(db, {
    get(target, key) {
      if (key === 'isInTransaction') return () => open || target.isInTransaction();
      if (key === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0]!;
          if (EXTENDED_MESSAGES.has(type)) open = true;
          else if (SEQUENCE_ENDS.has(type)) open = false;
          return target.execProtocolRawStream(message, options);
        };
      }
      if (key === 'exec') {
        return (...args: Parameters<PGlite['exec']>) => {
          open = false;
          return target.exec(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * PGlite's Emscripten loader takes a `window` global for a browser, and the hnswlib-wasm adapter gives Node one
 * (src/ann/node/env.ts) in any process that opened artifacts: hide it while the loader decides where it runs.
 */
async function withoutWindow<T>(start: () => Promise<T>): Promise<T> {
  const global = globalThis as { window?: unknown };
  const window = global.window;
  delete global.window;
  try {
    return await start();
  } finally {
    if (window !== undefined) global.window = window;
  }
}

/** The embedded database as a command runs it: where it listens, and how to stop it. */
export interface EmbeddedServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the embedded database on a worker thread of its own (src/server/node/embedded-worker.ts): PGlite computes
 * on the thread that calls it, and the API's requests and the database's queries then run on two cores.
 */
export function startEmbeddedServer(dataDir: string, port = 0): Promise<EmbeddedServer> {
  // Worker threads do not inherit tsx's loader: the index build's boot file registers it and runs the entry.
  const worker = new Worker(new URL('../../index/node/worker-boot.mjs', import.meta.url), {
    workerData: { entry: fileURLToPath(new URL('./embedded-worker.ts', import.meta.url)), dataDir, port },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded database stopped while starting (exit code ${code})`)));
    worker.once('message', ({ url }: { url: string }) => {
      worker.removeAllListeners();
      worker.unref();
      const stopped = new Promise<void>((done) => worker.once('message', () => done()));
      resolve({
        url,
        port: Number(new URL(url).port),
        async stop() {
          worker.ref(); // until it has closed the data folder
          worker.postMessage('stop');
          await stopped;
          await worker.terminate();
        },
      });
    });
  });
}

const lockFile = (dataDir: string) => join(dataDir, 'vitrine-server.json');

/** The embedded database another live process of this machine serves from `dataDir`, if any. */
function runningEmbedded(dataDir: string): string | null {
  if (!existsSync(lockFile(dataDir))) return null;
  try {
    const { pid, url } = JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as { pid: number; url: string };
    process.kill(pid, 0);
    return url;
  } catch {
    return null; // a stale lock: its process is gone
  }
}

/**
 * The database to use: `url` (DATABASE_URL) when given; otherwise the embedded one — the one another Vitrine
 * process already serves from `dataDir`, or a new one started here.
 */
export async function openDatabase({ url, dataDir = EMBEDDED_DATA_DIR, ...options }: PoolOptions & { url?: string; dataDir?: string } = {}): Promise<Database> {
  let embedded: EmbeddedServer | null = null;
  let target = url ?? runningEmbedded(dataDir);
  if (!target) {
    embedded = await startEmbeddedServer(dataDir);
    target = embedded.url;
  }
  const pool = makePool(target, options);
  const where = embedded ? `the embedded database (${dataDir})` : url ? describeUrl(url) : `the embedded database served by another process (${describeUrl(target)})`;
  const database: Database = {
    pool,
    where,
    embedded,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
  try {
    await checkDatabase(database);
  } catch (error) {
    await database.close();
    // A lock left by a process that ended without removing it, whose id another process now has: start afresh.
    if (!url && !embedded && error instanceof DatabaseUnavailable) {
      rmSync(lockFile(dataDir), { force: true });
      return openDatabase({ dataDir, ...options });
    }
    throw error;
  }
  return database;
}

/** Connects once and checks pgvector is there (or can be created), with a message that says what to do. */
export async function checkDatabase({ pool, where }: Pick<Database, 'pool' | 'where'>): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    const reason = (error as Error).message || (error as { code?: string }).code;
    // Refused or timed out: nothing answers there. Otherwise the server answered and said why (a wrong password, no such database).
    if (isUnavailable(error)) throw new DatabaseUnavailable(`cannot connect to ${where}: ${reason} — is PostgreSQL running there?`);
    throw new DatabaseSetupError(`${where} refused the connection: ${reason}`);
  }
  try {
    const { rows } = await client.query<{ available: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available");
    if (!rows[0]!.available) {
      throw new DatabaseSetupError(
        `${where} lacks the pgvector extension — install pgvector on that server (https://github.com/pgvector/pgvector), or leave DATABASE_URL unset to use the embedded database`,
      );
    }
  } finally {
    client.release();
  }
}
