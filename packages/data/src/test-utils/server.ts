/**
 * A tiny HTTP server on 127.0.0.1 for downloader tests: routes by path, counts requests, closes itself.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  url(pathname: string): string;
  requests: string[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(pathname);
    const route = routes[pathname];
    if (route) route(req, res);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (pathname) => `http://127.0.0.1:${port}${pathname}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body` whole, in chunks, with a Content-Length. */
export function serveBytes(body: Uint8Array, chunk = 16 * 1024): Route {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(body.length) });
    let at = 0;
    const next = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + chunk);
        at += piece.length;
        if (!res.write(piece)) {
          res.once('drain', next);
          return;
        }
      }
      res.end();
    };
    next();
  };
}

/** Announces `body` whole but sends only its first `fraction`, then drops the connection. */
export function serveCutOff(body: Uint8Array, fraction = 0.5): Route {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(body.length) });
    res.write(body.subarray(0, Math.floor(body.length * fraction)), () => {
      setTimeout(() => res.socket?.destroy(), 20);
    });
  };
}

/** Sends headers and a few bytes, then nothing more (until the server closes). */
export function serveStall(body: Uint8Array): Route {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(body.length) });
    res.write(body.subarray(0, 100));
  };
}

/** Redirects to `location`. */
export function redirectTo(location: string, status = 302): Route {
  return (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
}
