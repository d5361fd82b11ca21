/**
 * The web page in Debian's Chromium: built as `pnpm web:build` builds it, served as `pnpm web` serves
 * it (with COOP/COEP and the CIFAR-10 subset beside it), run with `?quick&autorun`, and compared with
 * the Node demo's section code run here on the same data.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole, skipBrowserTests, type PageLog } from '@tapegrad/test-support/browser';
import { runConfig } from '../../notebook/config.js';
import { loadNotebookData } from '../../notebook/data.js';
import { resultsDocument, runSection, type SectionRecord } from '../../notebook/runner.js';
import { sections } from '../../notebook/sections/index.js';
import { createTrainer } from '../../notebook/trainer.js';
import { trainingArrays, type RunResult } from '../../notebook/training.js';
import { writeGeneratedCifar } from '../../test-utils/cifarFiles.js';
import { cifarSubsetDir, examplesDir } from '../../test-utils/paths.js';
import { cifarRecords, tarGz } from '../../test-utils/tarball.js';
import { startWebServer, type WebServer } from '../server/serve.js';

// The page's globals, as the callbacks given to page.evaluate see them (this file is compiled for
// Node, without the DOM's types; these declarations are this module's own and type only those calls).
declare const window: { longTasks: { start: number; duration: number }[]; frames: FrameNote[] };
interface FrameNote { start: number; duration: number; blocking: number; scripts: string[] }
interface LongFrame {
  startTime: number; duration: number; blockingDuration: number;
  scripts: { invoker: string; duration: number; forcedStyleAndLayoutDuration: number }[];
}
declare const document: any;
declare const DataTransfer: new () => { items: { add(f: unknown): void } };
declare const DragEvent: new (type: string, init: Record<string, unknown>) => unknown;
type HTMLElement = { dataset: Record<string, string | undefined> };

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const webDir = path.join(examplesDir, 'web');
const distDir = path.join(webDir, 'dist');
const kernels = process.env['TAPEGRAD_KERNELS'] === 'js' ? 'js' : 'auto';
/** The cells that draw only from the seeded RNG: their printouts are the notebook's. */
const RNG_ONLY = ['bn-forward', 'bn-test-time', 'bn-gradcheck', 'bn-backward-alt', 'fc-gradcheck', 'ln-forward', 'ln-gradcheck'];

interface Results {
  sections: (Omit<SectionRecord, 'figures'> & { figures: { id: string; title: string; file: string }[] })[];
  [k: string]: unknown;
}

let tmp = '';
let browser: Browser;
let web: WebServer;
let page: Page;
let log: PageLog;
let results: Results;
let longTasks: { start: number; duration: number }[] = [];
let frames: FrameNote[] = [];
let runWindow: [number, number] = [0, 0];
/** The stretches of time in which the training workers ran, from the pool's marks. */
let training: [number, number][] = [];
const node = new Map<string, SectionRecord>();

/** `pnpm web:build`: the page's typecheck, then vite. */
async function buildPage(): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [examplesDir] })), 'bin', 'vite.js');
  await run(process.execPath, [tsc, '-p', path.join(webDir, 'tsconfig.json')], { cwd: examplesDir });
  await run(process.execPath, [vite, 'build', '--config', path.join(webDir, 'vite.config.ts')], { cwd: examplesDir, maxBuffer: 16 << 20 });
}

/** The Node demo's records of the sections the comparison reads, from the same code on the same data. */
async function nodeSide(dataDir: string): Promise<void> {
  const data = await loadNotebookData({ dir: dataDir, synthetic: false, download: false, log: () => {} });
  const config = runConfig({ quick: true, workers: 0 });
  const trainer = createTrainer({ workers: 0, arrays: async () => trainingArrays(data, config), progress: { write: () => true, isTTY: false } });
  for (const section of sections.filter((s) => [...RNG_ONLY, 'deep-nets'].includes(s.id))) {
    node.set(section.id, await runSection(section, { config, data: async () => data, trainer, earlier: () => undefined }));
  }
}

const pageSection = (id: string) => {
  const s = results.sections.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no section ${id} in the page's results.json`);
  return s;
};

beforeAll(async () => {
  if (skipBrowserTests) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-web-'));
  const dataDir = cifarSubsetDir() ?? writeGeneratedCifar(path.join(tmp, 'generated-cifar'));
  await Promise.all([buildPage(), nodeSide(dataDir)]);
  web = await startWebServer({ root: distDir, dataDir, port: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  log = recordConsole(page);
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' as 'mark', buffered: true });
    // what the long frames spent their time on, to say so when a task is too long
    window.frames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as LongFrame[]) {
        window.frames.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          scripts: e.scripts.map((x) => `${x.invoker} ${Math.round(x.duration)} ms (forced layout ${Math.round(x.forcedStyleAndLayoutDuration)} ms)`),
        });
      }
    }).observe({ type: 'long-animation-frame' as 'mark', buffered: true });
  });
  await page.goto(`${web.url}?quick&autorun${kernels === 'js' ? '&kernels=js' : ''}`);
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.documentElement.dataset['status'] ?? ''), null, { timeout: 480_000, polling: 500 });
  longTasks = await page.evaluate(() => window.longTasks);
  frames = await page.evaluate(() => window.frames);
  runWindow = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN;
    return [at('tapegrad-run-start'), at('tapegrad-run-end')] as [number, number];
  });
  training = await page.evaluate(() => {
    const starts = performance.getEntriesByName('tapegrad-train-start').map((e) => e.startTime);
    const ends = performance.getEntriesByName('tapegrad-train-end').map((e) => e.startTime);
    return starts.map((s, i) => [s, ends[i] ?? Number.NaN] as [number, number]);
  });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-results')]);
  const file = path.join(tmp, 'results.json');
  await download.saveAs(file);
  results = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(skipBrowserTests)('the notebook\'s web page, run with ?quick&autorun in Chromium', () => {
  it('runs every section, none fails, and nothing goes to the console as an error', async () => {
    expect(await page.evaluate(() => document.documentElement.dataset['status'])).toBe('done');
    const states = await page.$$eval('section.card', (els) => els.map((e) => `${e.id}: ${(e as HTMLElement).dataset['state']}`));
    expect(states).toEqual(sections.map((s) => `${s.id}: done`));
    expect(results.sections.map((s) => `${s.id}: ${s.status}`)).toEqual(sections.map((s) => `${s.id}: ok`));
    expect(log.errors).toEqual([]);
    expect(log.messages.filter((m) => m.startsWith('error'))).toEqual([]);
    expect(await page.textContent('#threads')).toMatch(/^Cross-origin isolated: \d+ training workers?/);
  });

  it('trains the deep nets to the Node demo\'s numbers: iteration-1 losses and epoch-0 accuracies, exactly', () => {
    const mine = pageSection('deep-nets').values as Record<string, RunResult>;
    const theirs = node.get('deep-nets')!.values as Record<string, RunResult>;
    for (const net of ['batchnorm', 'baseline']) {
      const [a, b] = [mine[net]!, theirs[net]!];
      expect({ net, loss: a.lossHistory[0], train: a.trainAccHistory[0], val: a.valAccHistory[0] })
        .toEqual({ net, loss: b.lossHistory[0], train: b.trainAccHistory[0], val: b.valAccHistory[0] });
      expect(a.lossHistory).toHaveLength(b.lossHistory.length);
    }
    const first = (text: string) => text.split('\n').filter((l) => /^\((Iteration 1|Epoch 0) \//.test(l));
    expect(first(pageSection('deep-nets').text)).toEqual(first(node.get('deep-nets')!.text));
    expect(first(pageSection('deep-nets').text)).toHaveLength(4);
  });

  it('prints the RNG-only cells as the Node demo does, but for numbers that are rounding noise', () => {
    // Chromium's Math.log rounds differently from Node 20's for some arguments (a last-bit difference;
    // core's randn draws gaussians through Math.log, as numpy does through the C library's log), so an
    // element or two of these cells' random inputs differ in the last bit. Every number the notebook
    // prints at its precision (means and stds, losses, the W1 errors) is the same; what is rounding noise
    // itself can differ: means that are 0 up to rounding, and the relative errors of gradient checks
    // (a difference of rounding errors over a small number), and the speedup, a timing.
    const noise = (line: string) => /relative error|error: |difference: |^speedup: /.test(line)
      || (line.includes('means:') && (line.match(/-?\d\.\d+e-1[4-9]/g) ?? []).length >= 3);
    let same = 0;
    for (const id of RNG_ONLY) {
      const mine = pageSection(id).text.split('\n');
      const theirs = node.get(id)!.text.split('\n');
      expect(mine.length, id).toBe(theirs.length);
      mine.forEach((line, i) => {
        if (line === theirs[i]) same += 1;
        else if (noise(theirs[i]!)) expect(line.replace(/-?\d[\d.e+-]*/g, '#'), `${id} line ${i}`).toBe(theirs[i]!.replace(/-?\d[\d.e+-]*/g, '#'));
        else {
          // a number printed in full (Python's repr): equal to the last digit or two
          const [a, b] = [Number(line.split(/\s+/).at(-1)), Number(theirs[i]!.split(/\s+/).at(-1))];
          expect(line.replace(/\S+$/, ''), `${id} line ${i}`).toBe(theirs[i]!.replace(/\S+$/, ''));
          expect(Math.abs(a - b) / Math.abs(b), `${id} line ${i}: ${line} vs ${theirs[i]}`).toBeLessThan(1e-15);
        }
      });
    }
    expect(same).toBeGreaterThan(40);
    expect(pageSection('bn-forward').text).toContain('  means: [ -2.3814598  -13.18038246   1.91780462]\n  stds:  [27.18502186 34.21455511 37.68611762]');
    expect(pageSection('fc-gradcheck').text).toContain('Initial loss:  2.2611955101340957');
    expect(pageSection('bn-gradcheck').text).toContain('dbeta error:  2.8795057655839487e-12');
  });

  it('draws every figure the Node demo draws, each with its title, axes and marks, and the live charts', async () => {
    const figures = await page.$$eval('figure[data-figure]', (els) => els.map((f) => {
      const svg = f.querySelector('svg')!;
      return {
        id: (f as HTMLElement).dataset['figure'], width: Number(svg.getAttribute('width')), height: Number(svg.getAttribute('height')),
        label: svg.getAttribute('aria-label'), marks: svg.querySelectorAll('.mark-line path, .mark-symbol path').length,
        axes: svg.querySelectorAll('.role-axis-title').length,
      };
    }));
    expect(figures.map((f) => f.id)).toEqual(results.sections.flatMap((s) => s.figures.map((f) => f.id)));
    expect(figures).toHaveLength(10);
    for (const f of figures) {
      expect(f.width * f.height, f.id).toBeGreaterThan(300 * 150);
      expect(f.marks, f.id).toBeGreaterThan(1);
      expect(f.axes, f.id).toBe(2);
      expect(f.label, f.id).toBeTruthy();
      // and drawn on the page: scrolled to, it takes its room
      const svg = page.locator(`#fig-${f.id} svg`);
      await svg.scrollIntoViewIfNeeded();
      const box = await svg.boundingBox();
      expect((box?.width ?? 0) * (box?.height ?? 0), f.id).toBeGreaterThan(300 * 100);
    }
    const live = await page.$$eval('.live-chart svg', (els) => els.map((s) => ({
      label: s.getAttribute('aria-label'), lines: s.querySelectorAll('path[d]').length, points: s.querySelectorAll('circle').length,
    })));
    expect(live.length).toBe(2 * sections.filter((s) => s.trains).length);
    for (const c of live) expect(c.lines + c.points, c.label ?? '').toBeGreaterThan(0);
  });

  it('keeps the main thread free while it trains: no task of 100 ms or more', () => {
    expect(runWindow[1]).toBeGreaterThan(runWindow[0]);
    // one stretch per section that trains, each inside the run
    expect(training).toHaveLength(sections.filter((s) => s.trains).length);
    for (const [a, b] of training) expect(a >= runWindow[0] && b > a && b <= runWindow[1]).toBe(true);
    const during = longTasks.filter((t) => training.some(([a, b]) => t.start + t.duration > a && t.start < b));
    const longest = Math.max(0, ...during.map((t) => t.duration));
    const outside = longTasks.filter((t) => t.start >= runWindow[0] && t.start <= runWindow[1] && !during.includes(t));
    console.log(`web page: longest main-thread task while training ${longest.toFixed(0)} ms (${during.length} long tasks of 50 ms or more; `
      + `between the trainings ${outside.length}, the longest ${Math.max(0, ...outside.map((t) => t.duration)).toFixed(0)} ms)`);
    if (longest >= 100) {
      // what ran then (a frame with no script and no blocking is the thread waiting for a core: see the machine's load)
      const worst = frames.filter((f) => training.some(([a, b]) => f.start + f.duration > a && f.start < b)).sort((a, b) => b.blocking - a.blocking).slice(0, 5);
      console.log(`web page: the longest frames: ${JSON.stringify(worst)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`);
    }
    expect(longest).toBeLessThan(100);
  });

  it('writes results.json in the Node demo\'s format', () => {
    expect(Object.keys(results)).toEqual(['command', 'startedAt', 'totalSeconds', 'quick', 'workers', 'source', 'config', 'sections']);
    expect(results['quick']).toBe(true);
    expect(results['config']).toEqual(JSON.parse(JSON.stringify(runConfig({ quick: true, workers: results['workers'] as number }))));
    const nodeDoc = resultsDocument({ command: '', startedAt: '', totalSeconds: 0, quick: true, workers: 0, source: null, config: runConfig({ quick: true, workers: 0 }) },
      [node.get('deep-nets')!]) as unknown as Results;
    expect(Object.keys(pageSection('deep-nets'))).toEqual(Object.keys(nodeDoc.sections[0]!));
    expect(pageSection('deep-nets').figures[0]).toEqual({ id: 'deep-nets-loss', title: 'Training loss', file: 'figures/deep-nets-loss.svg' });
  });

  it('runs compareGradients in the Compare gradients panel and shows its table', async () => {
    await page.selectOption('#compare-layer', 'batchnorm-cs231n');
    await page.fill('#compare-n', '64');
    await page.fill('#compare-d', '32');
    await page.selectOption('#compare-dtype', 'float64');
    await page.fill('#compare-repeats', '5');
    await page.click('#compare-run');
    await page.waitForSelector('#compare-output .compare-table', { timeout: 60_000 });
    const rows = await page.$$eval('#compare-output .compare-table:not(.timings) tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows.map((r) => r[0])).toEqual(['output', 'd(input 0)', 'd(weight)', 'd(bias)']);
    for (const r of rows) expect(Number(r[1]), r[0] ?? '').toBeLessThan(1e-10);
    expect(await page.textContent('#compare-output .speedup')).toMatch(/backward was (\d+\.\d\d× as fast as the tape's|not faster here)/);
  });

  it('shows a dropped hostile tarball\'s DataError, keeps its data, and the next run still works', async () => {
    const hostile = tarGz([
      { name: 'cifar-10-batches-bin/', type: '5' },
      { name: 'cifar-10-batches-bin/data_batch_1.bin', type: '2', linkName: '/etc/passwd' },
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords(4) },
    ]);
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'cifar-10-binary.tar.gz', { type: 'application/gzip' }));
      document.getElementById('dropzone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, Buffer.from(hostile).toString('base64'));
    await page.waitForSelector('#data-message.error', { timeout: 30_000 });
    const message = await page.textContent('#data-message');
    expect(message).toContain('Could not use cifar-10-binary.tar.gz: DataError: ');
    expect(message).toMatch(/symbolic link/);
    const runsBefore = await page.getAttribute('#data', 'data-runs');
    await page.click('#data button.run');
    await page.waitForFunction((n) => document.getElementById('data')!.dataset['runs'] !== n
      && document.documentElement.dataset['status'] === 'done', runsBefore, { timeout: 60_000 });
    expect(await page.textContent('#data pre.output')).toBe(pageSection('data').text);
    expect(await page.textContent('#data pre.output')).toContain('X_train: (3000, 3, 32, 32)');
    expect(log.errors).toEqual([]);
  });
});

describe.skipIf(skipBrowserTests)('Stop on the notebook\'s web page', () => {
  it('ends a training section at once, and the next run starts fresh workers and works', async () => {
    await page.click('#weight-scale button.run');
    await page.waitForFunction(() => (document.querySelector('#weight-scale progress')?.value ?? 0) > 0, null, { timeout: 60_000, polling: 100 });
    await page.click('#stop');
    await page.waitForFunction(() => document.documentElement.dataset['status'] === 'stopped', null, { timeout: 10_000 });
    expect(await page.getAttribute('#weight-scale', 'data-state')).toBe('stopped');
    const runs = await page.getAttribute('#bn-test-time', 'data-runs');
    await page.click('#bn-test-time button.run');
    await page.waitForFunction((n) => document.getElementById('bn-test-time')!.dataset['runs'] !== n
      && document.documentElement.dataset['status'] === 'done', runs, { timeout: 60_000 });
    expect(await page.textContent('#bn-test-time pre.output')).toBe(pageSection('bn-test-time').text);
    expect(log.errors).toEqual([]);
  });
});

describe.skipIf(skipBrowserTests)('a section that fails on the notebook\'s web page', () => {
  it('shows its error, and the sections after it still run', async () => {
    // served CIFAR-10 whose training batch is cut off in the middle of a record
    const broken = path.join(tmp, 'broken-cifar');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'data_batch_1.bin'), cifarRecords(2100).subarray(0, 2100 * 3073 - 100));
    fs.writeFileSync(path.join(broken, 'test_batch.bin'), cifarRecords(10));
    const server = await startWebServer({ root: distDir, dataDir: broken, port: 0 });
    const p = await browser.newPage();
    const pageLog = recordConsole(p);
    try {
      await p.goto(`${server.url}?only=data,bn-forward&autorun`);
      await p.waitForFunction(() => ['done', 'error'].includes(document.documentElement.dataset['status'] ?? ''), null, { timeout: 120_000 });
      expect(await p.evaluate(() => document.documentElement.dataset['status'])).toBe('error');
      expect(await p.getAttribute('#data', 'data-state')).toBe('failed');
      expect(await p.textContent('#data .error')).toMatch(/DataError: loadCIFAR10FromFiles: data_batch_1\.bin must hold whole 3073-byte records .*cut off/);
      expect(await p.getAttribute('#bn-forward', 'data-state')).toBe('done');
      expect(await p.textContent('#bn-forward pre.output')).toContain('  means: [ -2.3814598  -13.18038246   1.91780462]');
      expect(pageLog.errors).toEqual([]);
    } finally {
      await p.close();
      await server.close();
    }
  }, 180_000);
});

describe.skipIf(skipBrowserTests)('the notebook\'s web page without COOP/COEP headers', () => {
  it('says it runs single-threaded, and runs', async () => {
    const plain = await startWebServer({ root: distDir, dataDir: null, port: 0, headers: { 'Cache-Control': 'no-cache' } });
    const p = await browser.newPage();
    const plainLog = recordConsole(p);
    try {
      await p.goto(`${plain.url}?only=bn-forward&autorun`);
      await p.waitForFunction(() => ['done', 'error'].includes(document.documentElement.dataset['status'] ?? ''), null, { timeout: 120_000 });
      expect(await p.evaluate(() => document.documentElement.dataset['status'])).toBe('done');
      expect(await p.textContent('#threads')).toMatch(/^Not cross-origin isolated .* running single-threaded/);
      expect(await p.textContent('#bn-forward pre.output')).toContain('  means: [ -2.3814598  -13.18038246   1.91780462]');
      expect(await p.textContent('#data-source')).toMatch(/synthetic stand-in/);
      expect(plainLog.errors).toEqual([]);
    } finally {
      await p.close();
      await plain.close();
    }
  }, 180_000);
});

describe.skipIf(skipBrowserTests)('the page\'s JavaScript', () => {
  it('is at most 1 MB gzipped (the tapegrad packages\' part reported apart)', async () => {
    const { gzipSync } = await import('node:zlib');
    const assets = path.join(distDir, 'assets');
    const files = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
    const gz = (f: string) => gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length;
    const total = files.reduce((s, f) => s + gz(f), 0);
    const tapegrad = files.filter((f) => f.startsWith('tapegrad-')).reduce((s, f) => s + gz(f), 0);
    console.log(`web page: ${files.length} JavaScript files, ${(total / 1024).toFixed(1)} KiB gzipped; tapegrad's packages ${(tapegrad / 1024).toFixed(1)} KiB of it`);
    expect(tapegrad).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1024 * 1024);
  });
});
