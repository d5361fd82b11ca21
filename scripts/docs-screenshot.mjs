#!/usr/bin/env node
// Opens the built API docs (docs/) in headless Chromium and saves PNG screenshots of some pages
// into docs/screenshots/, to check that the site renders (the sidebar and the search are built by
// the site's scripts, so a page that only loads is not enough).
//
//   node scripts/docs-screenshot.mjs [--if-chromium] [name=page ...]
//
// A page is a path under docs/ (`landing=index.html`) or `@Name` for the page of an exported class,
// interface, function, type or variable of that name (`BatchNorm1d=@BatchNorm1d`). Without pages:
// the landing page and BatchNorm1d's page (DOCS_SCREENSHOT_PAGES, space-separated, overrides this).
// Chromium is found as test-support's findChromium finds it: $CHROMIUM, else /usr/bin/chromium, else
// chromium or chromium-browser on the PATH (Debian: apt-get install chromium). With --if-chromium, a missing Chromium is a note and exit 0
// (what `pnpm docs` uses, so the docs build where no browser is installed); without it, an error.
// A page that does not exist is an error either way. No network: the pages are file:// URLs and
// Chromium runs with a fresh profile and its background networking off.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// test-support's dist: `pnpm docs` builds the workspace before it runs this script
import { findChromium } from '@tapegrad/test-support/browser';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const docs = join(root, 'docs');
const outDir = join(docs, 'screenshots');
const DEFAULT_PAGES = ['landing=index.html', 'BatchNorm1d=@BatchNorm1d'];
const WIDTH = 1280;
const HEIGHT = 1000;
const TIMEOUT_MS = 60_000;

const args = process.argv.slice(2);
const ifChromium = args.includes('--if-chromium');
const pageArgs = args.filter((a) => !a.startsWith('--'));
const pages = pageArgs.length > 0 ? pageArgs : (process.env.DOCS_SCREENSHOT_PAGES?.split(/\s+/).filter(Boolean) ?? DEFAULT_PAGES);

/** The file under docs/ for `page`: a path, or `@Name` looked up among the reflection pages. */
function resolvePage(page) {
  if (!page.startsWith('@')) return join(docs, page);
  const name = page.slice(1);
  for (const kind of ['classes', 'interfaces', 'functions', 'types', 'variables']) {
    const dir = join(docs, kind);
    if (!existsSync(dir)) continue;
    const hit = readdirSync(dir).find((f) => f.endsWith(`.${name}.html`));
    if (hit) return join(dir, hit);
  }
  return null;
}

function run(chromium, url, png) {
  const profile = mkdtempSync(join(tmpdir(), 'tapegrad-docs-chromium-'));
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--no-default-browser-check', '--hide-scrollbars', '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`, `--window-size=${WIDTH},${HEIGHT}`,
    // let the site's scripts build the navigation before the picture is taken
    '--virtual-time-budget=5000', `--screenshot=${png}`, url,
  ];
  return new Promise((done) => {
    const child = spawn(chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      done({ code, signal, stderr });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      done({ code: -1, signal: null, stderr: String(e) });
    });
  });
}

const chromium = findChromium();
if (chromium === null) {
  const msg = 'docs-screenshot: no Chromium found ($CHROMIUM, /usr/bin/chromium, chromium or chromium-browser on the PATH)';
  if (ifChromium) {
    console.log(`${msg}; skipping the screenshots`);
    process.exit(0);
  }
  console.error(`${msg}; install it (Debian: apt-get install chromium) or set CHROMIUM`);
  process.exit(1);
}
if (!existsSync(join(docs, 'index.html'))) {
  console.error('docs-screenshot: docs/index.html not found; build the docs first (pnpm docs)');
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
let failed = 0;
for (const spec of pages) {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : spec.replace(/^@/, '').replace(/[^\w.-]+/g, '_');
  const page = eq > 0 ? spec.slice(eq + 1) : spec;
  const file = resolvePage(page);
  if (file === null || !existsSync(file)) {
    console.error(`docs-screenshot: ${name}: no page ${page} in docs/ (got ${file === null ? 'no page of that name' : `no file ${file}`})`);
    failed++;
    continue;
  }
  const png = join(outDir, `${name}.png`);
  rmSync(png, { force: true });
  const result = await run(chromium, pathToFileURL(file).href, png);
  if (!existsSync(png) || statSync(png).size === 0) {
    const why = result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
    console.error(`docs-screenshot: ${name}: Chromium wrote no screenshot (${why})\n${result.stderr.trim().split('\n').slice(-5).join('\n')}`);
    failed++;
    continue;
  }
  console.log(`docs-screenshot: ${name}: ${png.slice(root.length + 1)} (${statSync(png).size} bytes) from ${file.slice(root.length + 1)}`);
}
process.exit(failed > 0 ? 1 : 0);
