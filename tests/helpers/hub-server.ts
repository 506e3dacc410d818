import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * 'corrupt' flips one byte; 'truncate' serves the first half (with a matching content-length); 'stall' announces the
 * whole file, sends its first half and then nothing until the server closes.
 */
export type Fault = 'corrupt' | 'truncate' | 'stall';

export interface LoggedRequest {
  readonly path: string;
  readonly status: number;
}

export interface HubServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  /** Every request answered, in order. */
  readonly requests: LoggedRequest[];
  /**
   * Serves a hub file: /<repo>/resolve/<revision>/<file> answers 302 to /cdn/<n> on this server, which has the bytes
   * (as the real hub redirects to its CDN). Returns the resolve path.
   */
  addHubFile(repo: string, revision: string, file: string, bytes: Uint8Array): string;
  /** Serves bytes straight at `path` (a static mirror). Adding a path again replaces its bytes. */
  addFile(path: string, bytes: Uint8Array): void;
  /** Damages (or, with null, repairs) what is served for a path given to addHubFile or addFile. */
  damage(path: string, fault: Fault | null): void;
  close(): Promise<void>;
}

function damaged(bytes: Uint8Array, fault: 'corrupt' | 'truncate' | undefined): Uint8Array {
  if (fault === 'truncate') return bytes.subarray(0, Math.floor(bytes.length / 2));
  if (fault === 'corrupt') {
    const copy = Uint8Array.from(bytes);
    const middle = Math.floor(copy.length / 2);
    copy[middle] = copy[middle]! ^ 0xff;
    return copy;
  }
  return bytes;
}

export async function startHubServer(): Promise<HubServer> {
  const files = new Map<string, Uint8Array>();
  const redirects = new Map<string, string>();
  const faults = new Map<string, Fault>();
  const requests: LoggedRequest[] = [];
  let blobCount = 0;

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const answer = (status: number, headers: Record<string, string | number>, body?: Uint8Array): void => {
      requests.push({ path, status });
      response.writeHead(status, headers).end(body);
    };
    const target = redirects.get(path);
    if (target !== undefined) return answer(302, { location: `${hub.url}${target}`, 'content-length': 0 });
    const file = files.get(path);
    if (file === undefined) return answer(404, { 'content-type': 'text/plain' }, new TextEncoder().encode('Entry not found'));
    const fault = faults.get(path);
    if (fault === 'stall') {
      requests.push({ path, status: 200 });
      response.writeHead(200, { 'content-length': file.length }).write(file.subarray(0, file.length / 2));
      return;
    }
    const bytes = damaged(file, fault);
    answer(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }, bytes);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;

  const hub: HubServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    addHubFile(repo, revision, file, bytes) {
      const resolvePath = `/${repo}/resolve/${revision}/${file}`;
      const cdnPath = `/cdn/${blobCount++}`;
      redirects.set(resolvePath, cdnPath);
      files.set(cdnPath, bytes);
      return resolvePath;
    },
    addFile(path, bytes) {
      files.set(path, bytes);
    },
    damage(path, fault) {
      const served = redirects.get(path) ?? path;
      if (fault) faults.set(served, fault);
      else faults.delete(served);
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections(); // fetch() keeps connections alive; close() alone would wait for them
      }),
  };
  return hub;
}
