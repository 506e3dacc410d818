import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
// The headers `vite preview` sends (cross-origin isolation: multi-threaded WASM).
import { contentTypeOf, ISOLATION_HEADERS } from '../../common/shared/http-headers.js';

/**
 * The bench page's server: its built folder, single files (models, graphs) and in-memory buffers (vectors), every
 * response with the isolation headers that multi-threaded WASM needs. (The app itself is served by `vite preview`,
 * with whatever headers the project configures.)
 */
export class BenchServer {
  private readonly mounts: [prefix: string, dir: string][] = [];
  private readonly files = new Map<string, string>();
  private readonly buffers = new Map<string, Uint8Array>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<BenchServer> {
    let self: BenchServer | null = null;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    self = new BenchServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Serves `dir` under `/<prefix>/`; returns the URL of the folder. */
  mount(prefix: string, dir: string): string {
    const at = this.mounts.findIndex(([p]) => p === `/${prefix}/`);
    if (at >= 0) this.mounts.splice(at, 1);
    this.mounts.push([`/${prefix}/`, dir]);
    return `${this.origin}/${prefix}/`;
  }

  file(path: string, disk: string): string {
    this.files.set(path, disk);
    return this.origin + path;
  }

  buffer(path: string, bytes: Uint8Array): string {
    this.buffers.set(path, bytes);
    return this.origin + path;
  }

  forget(path: string): void {
    this.buffers.delete(path);
    this.files.delete(path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private resolve(path: string): string | null {
    const file = this.files.get(path);
    if (file) return file;
    for (const [prefix, dir] of this.mounts) {
      if (path === prefix.slice(0, -1)) return join(dir, 'index.html');
      if (!path.startsWith(prefix)) continue;
      const rel = normalize(path.slice(prefix.length) || 'index.html');
      if (rel.startsWith('..') || rel.startsWith(sep)) return null;
      const disk = join(dir, rel);
      return statSync(disk, { throwIfNoEntry: false })?.isDirectory() ? join(disk, 'index.html') : disk;
    }
    return null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', this.origin).pathname);
    const headers: Record<string, string> = { ...ISOLATION_HEADERS, 'Content-Type': contentTypeOf(path) };
    const memory = this.buffers.get(path);
    if (memory) {
      res.writeHead(200, { ...headers, 'Content-Length': String(memory.byteLength), 'Cache-Control': 'no-store' });
      res.end(memory);
      return;
    }
    const disk = this.resolve(path);
    const stat = disk ? statSync(disk, { throwIfNoEntry: false }) : undefined;
    if (!disk || !stat?.isFile()) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    headers['Content-Type'] = contentTypeOf(disk);
    res.writeHead(200, { ...headers, 'Content-Length': String(stat.size), 'Cache-Control': 'no-store' });
    createReadStream(disk).pipe(res);
  }
}
