/**
 * Renders a report in headless Chromium and saves PNG screenshots: the top of the page and any
 * sections asked for (by their ids, as URL fragments), to check that the page a person opens shows
 * what it should. Chromium runs with a fresh profile and its background networking off, on a
 * file:// URL; the report fetches nothing.
 *
 *   node dist/shared/screenshot.js REPORT.html [--out DIR] [--section ID ...] [--width 1200] [--height 1400]
 *
 * Chromium is $CHROMIUM, else /usr/bin/chromium, else chromium or chromium-browser on the PATH
 * (Debian: apt-get install chromium).
 * @module
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findChromium } from '@tapegrad/test-support/browser';

/** One screenshot of `url` into `png`; resolves with Chromium's exit code and the tail of its stderr. */
export function screenshot(chromium: string, url: string, png: string, size: { width: number; height: number }): Promise<{ ok: boolean; detail: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-report-chromium-'));
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--no-default-browser-check', '--hide-scrollbars', '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`, `--window-size=${size.width},${size.height}`,
    '--virtual-time-budget=3000', `--screenshot=${png}`, url,
  ];
  fs.rmSync(png, { force: true });
  return new Promise((resolve) => {
    const child = spawn(chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const finish = (detail: string) => {
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
      const ok = fs.existsSync(png) && fs.statSync(png).size > 0;
      resolve({ ok, detail: ok ? detail : `${detail}\n${stderr.trim().split('\n').slice(-5).join('\n')}` });
    };
    child.on('close', (code, signal) => finish(signal ? `killed by ${signal}` : `exit code ${code}`));
    child.on('error', (e) => finish(String(e)));
  });
}

/**
 * A page holding only one section of the report (its head, styles included, and that section), so
 * that a screenshot shows the section from its top: Chromium's headless screenshot does not scroll
 * to a URL fragment.
 */
export function sectionPage(html: string, id: string): string {
  const head = html.slice(0, html.indexOf('<main>'));
  const start = html.indexOf(`<section id="${id}"`);
  if (start < 0 || head.length === 0) throw new Error(`screenshot: a section with id ${id} in the report (got none)`);
  const end = html.indexOf('</section>', start);
  return `${head}<main>\n${html.slice(start, end)}</section>\n</main>\n</body>\n</html>\n`;
}

/** Screenshots of a report: `top.png` and `<section>.png` for each section id, in `outDir`. */
export async function screenshotReport(
  report: string, opts: { outDir: string; sections?: string[]; width?: number; height?: number; chromium?: string },
): Promise<string[]> {
  const chromium = opts.chromium ?? findChromium();
  if (chromium === null) throw new Error('screenshot: Chromium at $CHROMIUM, /usr/bin/chromium or on the PATH (got none; Debian: apt-get install chromium)');
  if (!fs.existsSync(report)) throw new Error(`screenshot: a report file (got no file ${report})`);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const size = { width: opts.width ?? 1200, height: opts.height ?? 1400 };
  const html = fs.readFileSync(report, 'utf8');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-report-sections-'));
  try {
    const pages: [string, string][] = [['top', path.resolve(report)]];
    for (const id of opts.sections ?? []) {
      const file = path.join(tmp, `${id}.html`);
      fs.writeFileSync(file, sectionPage(html, id));
      pages.push([id, file]);
    }
    const shots: string[] = [];
    for (const [name, file] of pages) {
      const png = path.join(opts.outDir, `${name}.png`);
      const result = await screenshot(chromium, pathToFileURL(file).href, png, size);
      if (!result.ok) throw new Error(`screenshot: ${name}: Chromium wrote no screenshot (${result.detail})`);
      shots.push(png);
    }
    return shots;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      section: { type: 'string', multiple: true },
      width: { type: 'string', default: '1200' },
      height: { type: 'string', default: '1400' },
    },
  });
  const report = positionals[0];
  if (report === undefined) {
    process.stderr.write('usage: node dist/shared/screenshot.js REPORT.html [--out DIR] [--section ID ...] [--width W] [--height H]\n');
    return 2;
  }
  const outDir = values.out ?? path.join(path.dirname(report), 'screenshots');
  const shots = await screenshotReport(report, {
    outDir, sections: values.section ?? [], width: Number(values.width), height: Number(values.height),
  });
  for (const s of shots) process.stdout.write(`${s} (${fs.statSync(s).size} bytes)\n`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => { process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
  );
}
