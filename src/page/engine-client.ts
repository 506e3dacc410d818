/**
 * The page's side of the search worker, kept alive: a worker that crashes, runs out of memory or stops answering is
 * noticed, ended and replaced by a fresh one (which reads models and index back from IndexedDB), and the call that
 * was waiting on it gets a clear answer instead of waiting forever.
 *
 * How a dead worker is noticed:
 * - its lifeline: the worker holds a Web Lock for as long as it lives and the page queues for the same lock, which
 *   the browser grants the moment the worker ends, however it ends (closed, crashed, killed for memory);
 * - an `error` event: the worker's script failed to load or threw where nothing caught it;
 * - a heartbeat while a call is pending: a ping left unanswered for `unresponsiveMs` means a worker stuck in a
 *   loop (or one that ended where Web Locks are missing).
 * A photo that was already with the worker when it died is not sent again (it may be what killed it).
 */
import { proxy, wrap, type Remote } from 'comlink';
import { blankWords, errorResponse, type SearchResponse } from '../search/shared/response.js';
import type { EngineInfo, ImageEmbedding, LoadEvent, OfflineCatalog, SearchRequest, SearchWorkerApi, ShardBudgets, ShardStats, TextModelInfo } from '../search/worker/api.js';

export interface EngineEvents {
  onLoadEvent(event: LoadEvent): void;
  /** Models and index are ready; `restarted` when this is a replacement worker. */
  onReady(info: EngineInfo, restarted: boolean): void;
  /** The text side a query with words needed has loaded (in this worker: a replacement loads it again on demand). */
  onTextReady(info: TextModelInfo): void;
  /** The worker ended (why, in words); a replacement is starting, or, when `gaveUp`, not. */
  onWorkerLost(reason: string, gaveUp: boolean): void;
}

export interface EngineOptions {
  /** How long an unanswered ping may wait before the worker counts as stuck. */
  readonly unresponsiveMs?: number;
  /** Replacements allowed within `restartWindowMs` before the page gives up and asks for a reload. */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /** Shard budgets of a compact catalog, where the page overrides the worker's defaults. */
  readonly shardBudgets?: Partial<ShardBudgets>;
}

const DEFAULTS: Required<EngineOptions> = { unresponsiveMs: 15_000, maxRestarts: 3, restartWindowMs: 5 * 60_000, shardBudgets: {} };
const HEARTBEAT_MS = 1_000;

/** The worker behind a call ended before answering. */
class WorkerLost extends Error {
  override name = 'WorkerLost';
}

interface Session {
  readonly worker: Worker;
  readonly api: Remote<SearchWorkerApi>;
  /** Rejects with WorkerLost when the worker ends… */
  readonly lost: Promise<never>;
  /** …which this makes happen. */
  readonly end: (reason: string) => void;
  ready: Promise<EngineInfo>;
  /** The text side, asked for on the first query with words this worker gets. */
  text: Promise<TextModelInfo> | null;
  alive: boolean;
  pending: number;
  ping: { sentAt: number } | null;
  heartbeat: ReturnType<typeof setInterval> | null;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const labelOf = (image: Blob) => (image instanceof File && image.name ? image.name : 'image');
const quoted = (text: string) => `“${text.trim()}”`;

function uniqueName(): string {
  const id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  return `vitrine-search-worker-${id}`;
}

export class SearchEngineClient {
  private session: Session;
  private readonly options: Required<EngineOptions>;
  private readonly losses: number[] = [];
  /** Set when the page stopped replacing workers: why. */
  private brokenReason: string | null = null;
  private restarted = false;

  constructor(
    private readonly createWorker: () => Worker,
    private readonly dataBase: string,
    private readonly events: EngineEvents,
    options: EngineOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.session = this.start();
  }

  /** Resolves when a worker has loaded models and index (following replacements); rejects if loading fails. */
  get ready(): Promise<EngineInfo> {
    return this.follow((session) => session.ready);
  }

  /**
   * The JSON response; every failure, a dead worker included, comes back as `status: "error"`. With `modifier`
   * ("in blue") the photo's query moves towards the words.
   */
  search(image: Blob, request: SearchRequest, modifier?: string): Promise<SearchResponse> {
    const words = modifier?.trim() ? modifier : undefined;
    return this.answer(labelOf(image), words !== undefined, (api) => api.search(image, request, words));
  }

  /** Words alone; the text side is loaded first if this worker has not loaded it yet. */
  searchText(text: string, request: SearchRequest): Promise<SearchResponse> {
    const blank = blankWords(text);
    if (blank) return Promise.resolve(blank);
    return this.answer(quoted(text), true, (api) => api.searchText(text, request));
  }

  /**
   * Loads the text side ahead of the first query with words: a device prepared for offline use keeps it in
   * IndexedDB, so words work offline too.
   */
  async loadText(): Promise<TextModelInfo> {
    return this.textReady(await this.readySession());
  }

  private async answer(label: string, needsText: boolean, work: (api: Remote<SearchWorkerApi>) => Promise<SearchResponse>): Promise<SearchResponse> {
    if (this.brokenReason) return errorResponse(this.brokenMessage());
    let session: Session;
    try {
      session = await this.readySession();
    } catch (error) {
      return errorResponse(this.brokenReason ? this.brokenMessage() : `The search engine could not load: ${message(error)}`);
    }
    try {
      if (needsText) await this.textReady(session);
      return await this.call(session, () => work(session.api));
    } catch (error) {
      if (error instanceof WorkerLost) {
        const next = this.brokenReason ? 'reload the page to start it again' : 'it is restarting; try again in a moment';
        return errorResponse(`${label}: the search engine stopped while searching (${error.message}) — ${next}`);
      }
      return errorResponse(`${label}: search failed — ${message(error)}`);
    }
  }

  /**
   * Asks this worker for its text side once, with progress; a replacement worker starts without it and is asked
   * again by the next query with words (from IndexedDB by then). A failed load is asked again next time.
   */
  private textReady(session: Session): Promise<TextModelInfo> {
    session.text ??= this.call(session, () => session.api.loadText(proxy((event: LoadEvent) => this.events.onLoadEvent(event)))).then(
      (info) => {
        if (session.alive) this.events.onTextReady(info);
        return info;
      },
      (error: unknown) => {
        session.text = null;
        throw error;
      },
    );
    return session.text;
  }

  async embed(image: Blob): Promise<ImageEmbedding> {
    const session = await this.readySession();
    return this.call(session, () => session.api.embed(image));
  }

  async shardStats(): Promise<ShardStats | null> {
    const session = await this.readySession();
    return this.call(session, () => session.api.shardStats());
  }

  async saveForOffline(onProgress: (done: number, total: number) => void): Promise<OfflineCatalog> {
    const session = await this.readySession();
    return this.call(session, () => session.api.saveForOffline(proxy(onProgress)));
  }

  /** A worker that has loaded; one that dies while loading is replaced and waited for (nothing was sent to it yet). */
  private readySession(): Promise<Session> {
    return this.follow(async (session) => {
      await session.ready;
      if (!session.alive) return session.lost; // ended since: follow the replacement
      return session;
    });
  }

  /** Runs `step` on the current worker; if that worker is lost and a replacement started, on the replacement. */
  private async follow<T>(step: (session: Session) => Promise<T>): Promise<T> {
    for (;;) {
      const session = this.session;
      try {
        return await step(session);
      } catch (error) {
        if (!(error instanceof WorkerLost)) throw error;
        if (this.brokenReason) throw new Error(this.brokenMessage());
        if (this.session === session) throw error;
      }
    }
  }

  private brokenMessage(): string {
    return `The search engine keeps stopping (${this.brokenReason}) — reload the page to start it again`;
  }

  private start(): Session {
    const worker = this.createWorker();
    const api = wrap<SearchWorkerApi>(worker);
    let reject!: (error: WorkerLost) => void;
    const lost = new Promise<never>((_, fail) => (reject = fail));
    lost.catch(() => undefined); // every caller races it; nobody need handle it alone
    const end = (reason: string) => reject(new WorkerLost(reason));
    const session: Session = { worker, api, lost, end, ready: lost, text: null, alive: true, pending: 0, ping: null, heartbeat: null };

    worker.addEventListener('error', (event) => {
      this.lose(session, event.message ? `it crashed: ${event.message}` : 'its script could not run');
    });
    worker.addEventListener('messageerror', () => this.lose(session, 'it sent a message the page could not read'));

    const lifeline = uniqueName();
    void this.call(session, () => api.holdLifeline(lifeline)).then(
      (held) => {
        if (held && session.alive) void navigator.locks.request(lifeline, () => this.lose(session, 'it stopped'));
      },
      () => undefined,
    );

    const restarted = this.restarted;
    session.ready = this.call(session, () => api.load(this.dataBase, proxy((event: LoadEvent) => this.events.onLoadEvent(event)), this.options.shardBudgets));
    session.ready.then(
      (info) => session.alive && this.events.onReady(info, restarted),
      () => undefined,
    );
    return session;
  }

  /** `work()` on this session's worker, raced against the worker's end, with the heartbeat on while it waits. */
  private async call<T>(session: Session, work: () => Promise<T>): Promise<T> {
    if (!session.alive) return session.lost;
    session.pending++;
    this.watch(session);
    try {
      return await Promise.race([work(), session.lost]);
    } finally {
      session.pending--;
      if (session.pending === 0 && session.heartbeat !== null) {
        clearInterval(session.heartbeat);
        session.heartbeat = null;
        session.ping = null;
      }
    }
  }

  private watch(session: Session): void {
    if (session.heartbeat !== null) return;
    session.heartbeat = setInterval(() => {
      if (!session.alive) return;
      const now = performance.now();
      if (session.ping) {
        // Only an unanswered ping counts, so a throttled background tab cannot make a healthy worker look stuck.
        if (now - session.ping.sentAt > this.options.unresponsiveMs) {
          this.lose(session, `it stopped answering for ${Math.round(this.options.unresponsiveMs / 1000)} s`);
        }
        return;
      }
      const ping = { sentAt: now };
      session.ping = ping;
      session.api.ping().then(
        () => {
          if (session.ping === ping) session.ping = null;
        },
        () => undefined,
      );
    }, HEARTBEAT_MS);
  }

  /** Ends a worker that died or hung, fails what waited on it, and starts a replacement unless it keeps happening. */
  private lose(session: Session, reason: string): void {
    if (!session.alive) return;
    session.alive = false;
    if (session.heartbeat !== null) clearInterval(session.heartbeat);
    session.worker.terminate();
    const now = performance.now();
    this.losses.push(now);
    while (this.losses.length > 0 && now - this.losses[0]! > this.options.restartWindowMs) this.losses.shift();
    const gaveUp = this.losses.length > this.options.maxRestarts;
    if (gaveUp) this.brokenReason = reason;
    else {
      this.restarted = true;
      this.session = this.start();
    }
    session.end(reason);
    this.events.onWorkerLost(reason, gaveUp);
  }
}
