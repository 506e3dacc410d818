import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EmbedJob, EmbedReply, EmbedWorkerConfig } from './embed-protocol.js';

type Pending = { resolve: (reply: EmbedReply) => void; reject: (error: Error) => void };

/** A fixed set of embedding workers (one per core by default); jobs go to the least busy one. */
export class EmbedPool {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private nextId = 0;

  private constructor() {}

  static async start(options: Omit<EmbedWorkerConfig, 'entry'> & { workers?: number }): Promise<EmbedPool> {
    const pool = new EmbedPool();
    const count = Math.max(1, options.workers ?? availableParallelism());
    const workerData: EmbedWorkerConfig = {
      entry: new URL('./embed-worker.ts', import.meta.url).href,
      profile: options.profile,
      assetsDir: options.assetsDir,
      augmentCopies: options.augmentCopies,
      framing: options.framing,
    };
    await Promise.all(
      Array.from({ length: count }, () => {
        const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData });
        const slot = { worker, pending: new Map<number, Pending>() };
        pool.workers.push(slot);
        return new Promise<void>((resolve, reject) => {
          const fail = (error: Error) => {
            reject(error);
            for (const p of slot.pending.values()) p.reject(new Error(`embedding worker died: ${error.message}`));
            slot.pending.clear();
          };
          worker.on('error', fail);
          worker.on('exit', (code) => code !== 0 && fail(new Error(`exit code ${code}`)));
          worker.on('message', (message: EmbedReply | 'ready') => {
            if (message === 'ready') return resolve();
            slot.pending.get(message.id)?.resolve(message);
            slot.pending.delete(message.id);
          });
        });
      }),
    );
    return pool;
  }

  /** `variant`: embed only that one of PRODUCT_VARIANTS; else the photo and the configured augmented copies. */
  embed(bytes: Uint8Array, label: string, variant?: number): Promise<EmbedReply> {
    const slot = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const job: EmbedJob = variant === undefined ? { id, bytes, label } : { id, bytes, label, variant };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
