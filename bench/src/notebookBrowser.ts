/**
 * The whole notebook in Chromium against the whole notebook in Node, on the same machine, data and
 * sections, one after the other (issue 17's "no more than 1.3× the Node demo's time"). It builds
 * nothing: it serves `pnpm web:build`'s folder (examples/web/dist) and the CIFAR-10 beside it with
 * `pnpm web`'s own server (examples/web/server/serve.ts's `startWebServer`: the COOP/COEP headers,
 * `data/manifest.json` naming the files, `data/<file>` each), opens it in headless
 * Chromium on `?autorun` and waits for `document.documentElement.dataset.status` to be `done`; then
 * it runs the built terminal demo as `pnpm demo` does (`node dist/notebook/main.js` in examples/),
 * its report written to a temporary folder that is removed. Prints both wall times, the threads
 * each side had, the ratio, and every section's time on both sides.
 *
 * Usage (after `pnpm build` and `pnpm web:build`):
 *   pnpm --filter @tapegrad/bench notebook:browser [--quick] [--only ID[,ID...]] [--data DIR] [--workers N]
 * `--data` defaults to ../shared/data/cifar10-subset, relative to where pnpm was started (as the
 * demo takes it); `--workers` goes to both sides (default: one per core on both). With
 * `TAPEGRAD_KERNELS=js` both sides run the TypeScript kernels (the page through `&kernels=js`).
 * @module
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveCIFAR10Dir } from '@tapegrad/data';
import { DATA_FILES, startWebServer } from '@tapegrad/examples/web/server/serve';
import { launchChromium, recordConsole } from '@tapegrad/test-support/browser';

// The page's globals, as the callbacks given to page.evaluate see them (this file is compiled for
// Node, without the DOM's types).
declare const document: { documentElement: { dataset: Record<string, string | undefined> }; getElementById(id: string): { textContent: string | null } | null };
declare const navigator: { hardwareConcurrency: number };
declare const crossOriginIsolated: boolean;

const HELP = `The notebook in Chromium against the notebook in Node (pnpm demo), one after the other.

Usage: node bench/dist/notebookBrowser.js [options]     (pnpm --filter @tapegrad/bench notebook:browser [options])
Needs \`pnpm build\` (examples/dist) and \`pnpm web:build\` (examples/web/dist); builds neither.

  --quick         the small sizes (the page's &quick, the demo's --quick)
  --only IDS      only these sections, comma-separated (the page's ?only=, the demo's --only)
  --data DIR      CIFAR-10's binary files (default ../shared/data/cifar10-subset, from where pnpm was started)
  --workers N     training workers on both sides (default: one per core on each)
  --timeout MIN   the longest either side may take, in minutes (default 30)
  --help          this text
`;

interface SectionTime { id: string; seconds: number; status: string }
interface Side { wall: number; total: number; sections: SectionTime[]; threads: string }

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const examples = path.join(repo, 'examples');
const pageDist = path.join(examples, 'web', 'dist');
const demoMain = path.join(examples, 'dist', 'notebook', 'main.js');

/** results.json's sections, as both sides write it. */
function sectionTimes(doc: { sections: SectionTime[] }): SectionTime[] {
  return doc.sections.map((s) => ({ id: s.id, seconds: s.seconds, status: s.status }));
}

/** The page on `?autorun` in Chromium, from navigation to `done`. */
async function browserSide(dataDir: string, query: string, timeoutMs: number, tmp: string): Promise<Side & { version: string }> {
  const server = await startWebServer({ root: pageDist, dataDir, port: 0 });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const log = recordConsole(page);
    const t0 = performance.now();
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.documentElement.dataset['status'] ?? ''), null, { timeout: timeoutMs, polling: 100 });
    const wall = (performance.now() - t0) / 1000;
    const status = await page.evaluate(() => document.documentElement.dataset['status']);
    const info = await page.evaluate(() => ({
      isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency,
      threads: document.getElementById('threads')?.textContent ?? '', problems: document.getElementById('status')?.textContent ?? '',
    }));
    if (status !== 'done') {
      const failed = await page.$$eval('section.card[data-state=failed]', (els) => els.map((e) => `${e.id}: ${e.querySelector('.error')?.textContent ?? ''}`));
      const problems = await page.$$eval('.problems p', (els) => els.map((e) => e.textContent));
      throw new Error(`notebook:browser: the page's status done (got ${status}: ${info.problems} ${[...failed, ...problems].join('; ')}${log.errors.length > 0 ? `; page errors: ${log.errors.join('; ')}` : ''})`);
    }
    if (!info.isolated) throw new Error(`notebook:browser: a cross-origin isolated page (got: ${info.threads})`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-results')]);
    const file = path.join(tmp, 'page-results.json');
    await download.saveAs(file);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { totalSeconds: number; workers: number; sections: SectionTime[] };
    const threads = `cross-origin isolated, ${doc.workers} training worker${doc.workers === 1 ? '' : 's'} (hardwareConcurrency ${info.cores})`;
    return { wall, total: doc.totalSeconds, sections: sectionTimes(doc), threads, version: browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** `pnpm demo`'s command (node dist/notebook/main.js in examples/), its report in `tmp`, from start to exit. */
async function nodeSide(args: string[], tmp: string, timeoutMs: number): Promise<Side> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [demoMain, ...args, '--out', tmp, '--run', 'node', '--no-download'], { cwd: examples, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`notebook:browser: the Node demo to exit with 0 (got ${code}): ${stderr.trim().split('\n').slice(-6).join('\n')}`);
  const doc = JSON.parse(fs.readFileSync(path.join(tmp, 'node', 'results.json'), 'utf8')) as { totalSeconds: number; workers: number; sections: SectionTime[] };
  const threads = doc.workers === 0 ? 'trainings in the main thread' : `${doc.workers} worker thread${doc.workers === 1 ? '' : 's'} (availableParallelism ${os.availableParallelism()})`;
  return { wall, total: doc.totalSeconds, sections: sectionTimes(doc), threads };
}

const s1 = (x: number) => `${x.toFixed(1)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false }, only: { type: 'string' }, data: { type: 'string', default: '../shared/data/cifar10-subset' },
      workers: { type: 'string' }, timeout: { type: 'string', default: '30' }, help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const problems: string[] = [];
  if (!fs.existsSync(path.join(pageDist, 'index.html'))) problems.push(`the built page ${pageDist} (got no index.html: run \`pnpm web:build\` first; this builds nothing)`);
  if (!fs.existsSync(demoMain)) problems.push(`the built demo ${demoMain} (got no such file: run \`pnpm build\` first)`);
  const workers = values.workers === undefined ? null : Number(values.workers);
  if (workers !== null && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) problems.push(`--workers: a whole number in 1..64 (got ${values.workers})`);
  const timeoutMs = Number(values.timeout) * 60_000;
  if (!(timeoutMs > 0)) problems.push(`--timeout: minutes, a number > 0 (got ${values.timeout})`);
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`notebook:browser: ${p}\n`);
    return 2;
  }
  // under pnpm, paths are relative to where pnpm was started, as the demo takes them
  const dataArg = path.resolve(process.env['INIT_CWD'] ?? process.cwd(), values.data);
  let dataDir: string;
  try {
    dataDir = await resolveCIFAR10Dir({ dir: dataArg, download: false });
  } catch (err) {
    process.stderr.write(`notebook:browser: --data: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const js = process.env['TAPEGRAD_KERNELS'] === 'js';

  const query = `?autorun${values.quick ? '&quick' : ''}${only.length > 0 ? `&only=${only.join(',')}` : ''}${workers !== null ? `&workers=${workers}` : ''}${js ? '&kernels=js' : ''}`;
  const demoArgs = ['--data', dataArg, ...(values.quick ? ['--quick'] : []), ...(only.length > 0 ? ['--only', only.join(',')] : []), ...(workers !== null ? ['--workers', String(workers)] : [])];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-notebook-browser-'));
  try {
    const files = DATA_FILES.filter((f) => fs.existsSync(path.join(dataDir, f)));
    process.stdout.write(`notebook:browser: ${values.quick ? 'the --quick sizes' : 'the full notebook'}${only.length > 0 ? `, sections ${only.join(', ')}` : ''}, `
      + `${js ? 'TypeScript' : 'default (WebAssembly)'} kernels, CIFAR-10 from ${dataDir} (${files.join(', ')})\n`);
    process.stdout.write(`notebook:browser: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} cores before the runs\n`);
    const web = await browserSide(dataDir, query, timeoutMs, tmp);
    process.stdout.write(`Chromium ${web.version} (${query}): ${s1(web.wall)} wall, navigation to done (sections ${s1(web.total)}); ${web.threads}\n`);
    const node = await nodeSide(demoArgs, tmp, timeoutMs);
    process.stdout.write(`Node ${process.version} (node dist/notebook/main.js ${demoArgs.join(' ')}): ${s1(node.wall)} wall, start to exit (sections ${s1(node.total)}); ${node.threads}\n`);
    process.stdout.write(`browser / Node: ${ratio(web.wall, node.wall)} wall, ${ratio(web.total, node.total)} the sections' time\n`);
    process.stdout.write(`notebook:browser: load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} after the runs\n\n`);

    const rows = web.sections.map((w) => {
      const n = node.sections.find((x) => x.id === w.id);
      return `| ${w.id} | ${w.seconds.toFixed(2)} | ${n === undefined ? '—' : n.seconds.toFixed(2)} | ${n === undefined ? '—' : ratio(w.seconds, n.seconds)} |`;
    });
    process.stdout.write(['| section | Chromium s | Node s | browser / Node |', '|---|---:|---:|---:|', ...rows].join('\n') + '\n');
    const failed = [...web.sections, ...node.sections].filter((s) => s.status !== 'ok');
    if (failed.length > 0) {
      process.stderr.write(`notebook:browser: sections that failed: ${failed.map((s) => s.id).join(', ')}\n`);
      return 1;
    }
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
