/**
 * `pnpm web`: serves the built page (examples/web/dist) on 127.0.0.1 with the headers that make it
 * cross-origin isolated (COOP/COEP: shared memory, one training worker per core), and beside it the
 * CIFAR-10 found the way the terminal demo finds it (`--data DIR`, `$CIFAR10_DIR`, the cache; no
 * download): `data/manifest.json` names the files, `data/<file>` serves each. Node only.
 *
 *   node dist/web/server/serve.js [--data DIR] [--port N] [--host H] [--synthetic]
 * @module
 */
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataError, resolveCIFAR10Dir } from '@tapegrad/data';

/** The CIFAR-10 files the page may fetch, in the order it reads them. */
export const DATA_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'batches.meta.txt'];

/** The headers every response carries: cross-origin isolation, and no caching of a page being rebuilt. */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/** The built page: examples/web/dist, from this file's source (tests) or its build (dist/web/server). */
export function pageDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const examples = here.includes(`${path.sep}dist${path.sep}web`) ? path.resolve(here, '..', '..', '..') : path.resolve(here, '..', '..');
  return path.join(examples, 'web', 'dist');
}

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  /** The built page. */
  root: string;
  /** The folder of CIFAR-10's binary files to serve under data/, or null for none. */
  dataDir: string | null;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Headers instead of {@link ISOLATION_HEADERS} (a test serves the page without isolation). */
  headers?: Record<string, string>;
}

/** A running server. */
export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const root = path.resolve(opts.root);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`web: the built page in ${root} (got no index.html: run pnpm web:build)`);
  const headers = opts.headers ?? ISOLATION_HEADERS;
  const files = opts.dataDir === null ? [] : DATA_FILES.filter((f) => fs.existsSync(path.join(opts.dataDir!, f)));
  // what the page reads first: the files served beside it (none: `files` is empty, as in the static build's own manifest)
  const manifest = JSON.stringify({ where: files.length > 0 ? opts.dataDir : null, files });
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer) => res.writeHead(status, { ...headers, 'Content-Type': type }).end(body);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only');
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'text/plain', 'bad path');
    }
    if (urlPath === '/data/manifest.json') return send(200, MIME['.json']!, manifest);
    let file: string;
    if (urlPath.startsWith('/data/')) {
      const name = urlPath.slice('/data/'.length);
      if (!files.includes(name)) return send(404, 'text/plain', `not found: ${urlPath}`);
      file = path.join(opts.dataDir!, name);
    } else {
      file = path.normalize(path.join(root, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath));
      if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'text/plain', 'forbidden');
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return send(404, 'text/plain', `not found: ${urlPath}`);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    server,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

/** The data folder as the terminal demo finds it, or null (with the reason) when there is none to serve. */
async function findData(dir: string | null, synthetic: boolean): Promise<{ dir: string | null; note: string }> {
  if (synthetic) return { dir: null, note: '--synthetic: no CIFAR-10 served; the page uses the labelled synthetic stand-in' };
  const named = dir !== null || Boolean(process.env['CIFAR10_DIR']);
  try {
    const found = await resolveCIFAR10Dir({ ...(dir !== null ? { dir } : {}), download: false });
    return { dir: found, note: `serving CIFAR-10 from ${found}` };
  } catch (err) {
    if (named || !(err instanceof DataError)) throw err;
    return { dir: null, note: `no CIFAR-10 here (${err.message}): the page uses the labelled synthetic stand-in, or files dropped on it` };
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, port: { type: 'string', default: '8231' }, host: { type: 'string', default: '127.0.0.1' },
      synthetic: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('Serves the notebook\'s web page: node dist/web/server/serve.js [--data DIR] [--port N] [--host H] [--synthetic]\n'
      + '  (pnpm web [options] from the repository root builds it first)\n');
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: a whole number in 0..65535 (got ${values.port})\n`);
    return 2;
  }
  // under `pnpm web`, paths are relative to where pnpm was started, as `pnpm demo` takes them
  const base = process.env['INIT_CWD'] ?? process.cwd();
  const data = await findData(values.data === undefined ? null : path.resolve(base, values.data), values.synthetic);
  let web: WebServer;
  try {
    web = await startWebServer({ root: pageDir(), dataDir: data.dir, host: values.host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    web = await startWebServer({ root: pageDir(), dataDir: data.dir, host: values.host, port: 0 });
    process.stdout.write(`port ${port} is in use; took a free one\n`);
  }
  process.stdout.write(`web: ${data.note}\n`);
  process.stdout.write(`web: the notebook, live: ${web.url}   (?quick&autorun runs the quick sizes at once; Ctrl-C stops)\n`);
  return new Promise<number>((resolve) => {
    process.once('SIGINT', () => void web.close().then(() => resolve(0)));
    process.once('SIGTERM', () => void web.close().then(() => resolve(0)));
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
