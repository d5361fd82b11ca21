/**
 * W1 training steps in Chromium against Node, in one sitting (issue 16): the same step
 * (`w1Step.ts`: 3072-100×5-10 with BatchNorm, Adam, batch 50, float32, WebAssembly kernels),
 * single-threaded and with GEMM threads, in a Node child process and, bundled with esbuild from the
 * packages' built `dist`, in a dedicated module Worker of a cross-origin isolated page in headless
 * Chromium (so GEMM threads run there as Web Workers). Each run is a fresh process or Worker; the
 * four kinds of run alternate for `--rounds` rounds, and a figure is 1 / the median step time over
 * all rounds.
 *
 * Usage (after `pnpm build`): `node bench/dist/browserStep.js [--budget SECONDS] [--rounds N]`
 * (defaults: 3 s of timed steps per run, 2 rounds). Chromium and the page's server are test-support's
 * (`launchChromium`: `$CHROMIUM`, else /usr/bin/chromium, else on the PATH; `serveDirectory`).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveDirectory } from '@tapegrad/test-support/browser';
import { cliArgs } from './cliArgs.js';
import { median } from './sampleData.js';
import type { W1Run } from './w1Step.js';

/** Threads asked for in the threaded runs: capped at the CPUs minus one on each side. */
const MANY = 15;

if (process.argv[2] === '--child') {
  const { timeW1Steps } = await import('./w1Step.js');
  console.log(JSON.stringify(await timeW1Steps(Number(process.argv[3]), Number(process.argv[4]))));
  process.exit(0);
}

const args = cliArgs({
  script: 'browserStep',
  usage: 'node bench/dist/browserStep.js [--budget SECONDS] [--rounds N]',
  values: { budget: '3', rounds: '2' },
});
const budgetMs = args.number('budget') * 1000;
const rounds = args.number('rounds');

/** The bundle's entry: in the Worker, answer a run request; on the page, `runW1` starts a Worker per run. */
const ENTRY = `
import { timeW1Steps } from './w1Step.js';
if (typeof document === 'undefined') {
  self.onmessage = (e) => timeW1Steps(e.data.threads, e.data.budgetMs).then((run) => self.postMessage({ run }), (err) => self.postMessage({ error: String(err && err.stack || err) }));
} else {
  globalThis.runW1 = (threads, budgetMs) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { type: 'module' });
    worker.onmessage = (e) => { worker.terminate(); e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.run); };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message)); };
    worker.postMessage({ threads, budgetMs });
  });
}
`;

const dir = mkdtempSync(join(os.tmpdir(), 'tapegrad-browser-step-'));
const esbuild = await import('esbuild');
await esbuild.build({
  stdin: { contents: ENTRY, resolveDir: fileURLToPath(new URL('.', import.meta.url)), sourcefile: 'entry.js', loader: 'js' },
  bundle: true, platform: 'browser', format: 'esm', outfile: join(dir, 'bundle.js'), logLevel: 'warning',
});
writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="bundle.js"></script>');

// a cross-origin isolated static server, so that the Worker may post shared memory to its own workers
const server = await serveDirectory(dir, { isolated: true });
const browser = await launchChromium();
const page = await browser.newPage();
const pageErrors: string[] = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => console.error(`(chromium console) ${m.type()}: ${m.text()}`));
await page.goto(server.url);
await page.waitForFunction(() => 'runW1' in globalThis);
const isolated = await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
const hardwareConcurrency = await page.evaluate(() => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency);

function inNode(threads: number): W1Run {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(threads), String(budgetMs)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`browserStep: the Node run failed: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as W1Run;
}
const inChromium = (threads: number): Promise<W1Run> =>
  page.evaluate(([t, b]) => (globalThis as unknown as { runW1(t: number, b: number): Promise<W1Run> }).runW1(t, b), [threads, budgetMs] as const);

const load = os.loadavg()[0]!;
const runs = new Map<string, { threads: number; kernels: string; times: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const threads of [0, MANY]) {
    for (const runtime of ['node', 'chromium'] as const) {
      const run = runtime === 'node' ? inNode(threads) : await inChromium(threads);
      const key = `${runtime} ${threads === 0 ? 'single' : 'threads'}`;
      const entry = runs.get(key) ?? { threads: run.threads, kernels: run.kernels, times: [] };
      entry.times.push(...run.times);
      runs.set(key, entry);
    }
  }
}

console.log(`# W1 training steps/s (3072-100×5-10, BatchNorm, Adam, batch 50, float32), ${new Date().toISOString().slice(0, 10)}`);
console.log(`node ${process.version}, ${os.availableParallelism()} CPUs; Chromium ${browser.version()} in a dedicated Worker, ${isolated ? '' : 'NOT '}cross-origin isolated, hardwareConcurrency ${hardwareConcurrency}`);
console.log(`${rounds} rounds, ${budgetMs / 1000} s per run; load average ${load.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after\n`);
console.log('| run | GEMM threads | steps/s | Chromium vs Node | steps timed |');
console.log('| --- | --- | --- | --- | --- |');
for (const kind of ['single', 'threads']) {
  const node = runs.get(`node ${kind}`)!, web = runs.get(`chromium ${kind}`)!;
  const rate = (r: typeof node): number => 1 / median(r.times);
  console.log(`| node, ${kind} | ${node.threads} | ${rate(node).toFixed(1)} | | ${node.times.length} |`);
  console.log(`| chromium, ${kind} | ${web.threads} | ${rate(web).toFixed(1)} | ${(rate(web) / rate(node)).toFixed(2)}× | ${web.times.length} |`);
}
if (pageErrors.length > 0) console.error(`page errors: ${pageErrors.join(' | ')}`);
console.log(`\nkernels: node: ${runs.get('node single')!.kernels}; chromium: ${runs.get('chromium threads')!.kernels}`);

await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
