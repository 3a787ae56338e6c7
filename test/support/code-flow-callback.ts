import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The redirect URI of a native app (RFC 8252 7.3): a loopback HTTP server on a port of its own. */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:54321/callback */
  redirectUri: string;
  port: number;
  /** The query of every request to /callback, in order. */
  readonly received: URLSearchParams[];
  /** Resolves with the query of the next (or an already received, not yet taken) request to /callback. */
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}

const SIGNED_IN_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Signed in</title></head>
  <body><h1>Signed in</h1><p>You can close this window and return to the app.</p></body>
</html>
`;

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URLSearchParams[] = [];
  let taken = 0;
  const waiting: ((query: URLSearchParams) => void)[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    received.push(url.searchParams);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(SIGNED_IN_PAGE);
    const resolve = waiting.shift();
    if (resolve) resolve(received[taken++]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    port,
    received,
    next() {
      if (taken < received.length) return Promise.resolve(received[taken++]);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
