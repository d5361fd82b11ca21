/**
 * Real-browser tests: Debian's Chromium driven by playwright-core (which downloads no browser),
 * pages served from a local folder with or without the cross-origin-isolation headers, and
 * bundles made with esbuild for the browser as a user's bundler would make them.
 *
 * Chromium is `$CHROMIUM`, else `/usr/bin/chromium`, else `chromium` / `chromium-browser` on the
 * PATH. Where none is installed, browser tests skip with a note, unless `TAPEGRAD_REQUIRE_BROWSER=1`
 * (set by `.ci/run`, which installs Chromium first): then a missing browser fails them.
 * @module
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The Chromium executable, or null when there is none. */
export function findChromium(): string | null {
  const fromEnv = process.env['CHROMIUM'];
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : null;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Whether browser tests must run (CI): a missing Chromium then fails them instead of skipping. */
export const browserRequired = process.env['TAPEGRAD_REQUIRE_BROWSER'] === '1';

/**
 * Whether to skip browser tests here: no Chromium and not required. Use as
 * `describe.skipIf(skipBrowserTests)(...)`.
 */
export const skipBrowserTests = findChromium() === null && !browserRequired;

/**
 * Starts headless Chromium with the flags this machine's closed network needs (no background
 * networking, no QUIC, a fresh profile).
 * @throws Error naming what is missing when there is no Chromium.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === null) {
    throw new Error('launchChromium: no Chromium found ($CHROMIUM, /usr/bin/chromium, chromium or chromium-browser on the PATH); Debian: apt-get install chromium');
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-default-browser-check',
    ],
  });
}

/** Options of {@link serveDirectory}. */
export interface ServeOptions {
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`,
   * so that pages are cross-origin isolated (SharedArrayBuffer, Atomics.wait in workers).
   */
  isolated?: boolean;
  /** Extra headers on every response. */
  headers?: Record<string, string>;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.bin': 'application/octet-stream', '.gz': 'application/gzip', '.map': 'application/json',
};

/** Serves the files under `root` on 127.0.0.1 (a free port); `/` serves `index.html`. */
export async function serveDirectory(root: string, opts: ServeOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...opts.headers };
  if (opts.isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404, headers).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** What a page printed to its console, and its uncaught errors. */
export interface PageLog {
  /** `type: text` for each console message, in order. */
  readonly messages: string[];
  /** Uncaught exceptions' messages. */
  readonly errors: string[];
}

/** Records `page`'s console messages and uncaught errors from now on. */
export function recordConsole(page: Page): PageLog {
  const log: PageLog = { messages: [], errors: [] };
  page.on('console', (m: ConsoleMessage) => log.messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e: Error) => log.errors.push(e.message));
  return log;
}

/**
 * Bundles `entry` for the browser with esbuild (ES module, no plugins, no config: what a user's
 * bundler does with the packages' published entry points) into `outfile`.
 */
export async function bundleForBrowser(entry: string, outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', outfile, logLevel: 'silent' });
}
