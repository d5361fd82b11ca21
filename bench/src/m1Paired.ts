/**
 * Two checkouts' M1 step, timed in one process round for round (as `w1Paired.ts` does for W1):
 * `batchNormFused` forward + backward on x [100, 500] float64 with γ and β, the gradients released
 * first and the output marked with `releaseWithGraph` (`trainingChild.ts`'s M1), each checkout
 * with its own module state (kernels, pools). Alternating rounds put both builds under the same
 * conditions, so a few microseconds show on a machine whose speed drifts. The rounds run in two
 * child processes, half with each build loaded first (`loadOrders.ts`: the first-loaded build is
 * favoured).
 *
 * Run: `node bench/dist/m1Paired.js OTHER_CHECKOUT [--threads 0] [--rounds 30] [--steps 200] [--this CHECKOUT]
 * [--clock wall|cpu] [--phases] [--cpu-profile FILE]`. Prints each build's median µs per step,
 * this build's gain, and the median (and quartiles) of the gains of round pairs.
 * - `--threads N`: each build's kernels get N worker threads (only the running build's are busy: the
 *   other's wait), as `w1Paired.ts`'s option; time them with `--clock wall` (the CPU clock counts
 *   every thread of the process).
 * - `--phases`: each round also times the two kernel calls alone (`batchNormForward` +
 *   `batchNormBackward` of the active kernel set) on the same data, once with the per-channel
 *   vectors as plain Float64Arrays (as the op passes them: the call copies them in and out) and once
 *   with them in the kernels' memory (the WebAssembly code alone), and prints the medians and the
 *   step's rest (the op's JavaScript, the tape, the glue).
 * - `--cpu-profile FILE`: a CPU profile of `rounds × steps` steps of this build only (no pairing),
 *   for `cpuProfileSummary.js`.
 * - Under `node --expose-gc`, also the JavaScript heap and ArrayBuffers each build allocates per step
 *   (median of GC-free windows of 20 steps, each after a forced minor collection, as w1Profile does;
 *   measured in the child that loads this build first).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { inBothLoadOrders, loadOrderChild, reportToParent, type BuildKey } from './loadOrders.js';
import { startCpuProfile } from './cpuProfiler.js';
import { formatGains, median, pairedGains, signedPercent } from './sampleData.js';

type Core = typeof import('@tapegrad/core');
type Nn = typeof import('@tapegrad/nn');

const args = cliArgs({
  script: 'm1Paired',
  usage: 'node bench/dist/m1Paired.js OTHER_CHECKOUT [--threads N] [--rounds N] [--steps N] [--this CHECKOUT] [--clock wall|cpu] [--phases] [--cpu-profile FILE]',
  values: { threads: '0', rounds: '30', steps: '200', this: undefined, clock: 'wall', 'cpu-profile': undefined },
  flags: ['phases'],
  positionals: { required: ['OTHER_CHECKOUT'] },
});
const other = args.positionals[0]!;
const threads = args.number('threads');
const rounds = args.number('rounds');
const steps = args.number('steps');
const here = path.resolve(args.values.this ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
const clockName = args.values.clock;
if (clockName !== 'wall' && clockName !== 'cpu') throw new Error(`m1Paired: --clock is wall or cpu (got ${clockName})`);
/** Milliseconds of wall time, or of this process's CPU time (user + system) with `--clock cpu`. */
const clock = clockName === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

const N = 100, C = 500;

async function load(checkout: string): Promise<{ core: Core; nn: Nn }> {
  const dist = (pkg: string) => pathToFileURL(path.resolve(checkout, `packages/${pkg}/dist/index.js`)).href;
  return { core: (await import(dist('core'))) as Core, nn: (await import(dist('nn'))) as Nn };
}

/** What one build runs: its M1 step, and the kernel calls alone on the same data. */
interface Build {
  step: () => void;
  /** The forward and backward kernels with plain per-channel vectors (copied in and out by the call). */
  kernels: () => void;
  /** The same with the per-channel vectors in the kernels' memory (the WebAssembly code alone). */
  kernelsInPlace: () => void;
}

function buildOf({ core, nn }: { core: Core; nn: Nn }): Build {
  core.setKernels('wasm', { threads });
  core.manualSeed(0);
  const x = core.randn([N, C], { dtype: 'float64', requiresGrad: true });
  const gamma = core.ones([C], { dtype: 'float64', requiresGrad: true }), beta = core.zeros([C], { dtype: 'float64', requiresGrad: true });
  const dy = core.randn([N, C], { dtype: 'float64' });
  const step = () => {
    // PyTorch's `x.grad = None` and a dropped output, as trainingChild.ts's M1
    core.releaseGrad(x);
    core.releaseGrad(gamma);
    core.releaseGrad(beta);
    core.releaseWithGraph(nn.batchNormFused(x, gamma, beta)).backward(dy);
  };
  const kernelsWith = (vector: () => Float64Array) => {
    const k = core.getKernels();
    const xs = x.data.data as Float64Array, dys = dy.data.data as Float64Array;
    const y = core.zeros([N, C], { dtype: 'float64' }).data.data as Float64Array;
    const dx = core.zeros([N, C], { dtype: 'float64' }).data.data as Float64Array;
    const [scale, shift, mean, variance, invStd, sumDy, sumDyXHat] = Array.from({ length: 7 }, vector);
    scale!.fill(1);
    return () => {
      k.batchNormForward(N, C, xs, 0, true, 1e-5, scale!, shift!, mean!, variance!, invStd!, null, y);
      k.batchNormBackward(N, C, dys, 0, xs, 0, mean!, true, invStd!, scale!, sumDy!, sumDyXHat!, dx);
    };
  };
  return {
    step,
    kernels: kernelsWith(() => new Float64Array(C)),
    kernelsInPlace: kernelsWith(() => core.getKernels().allocate('float64', C) as Float64Array),
  };
}

const child = loadOrderChild();
const cpuProfile = args.values['cpu-profile'];
const order = child?.order ?? (['this', 'other'] as const);
const builds: Partial<Record<BuildKey, Build>> = {};
if (child !== undefined || cpuProfile !== undefined) {
  for (const key of order) builds[key] = buildOf(await load(key === 'this' ? here : other));
  for (const key of order) for (let k = 0; k < 2000; k++) { const b = builds[key]!; b.step(); b.kernels(); b.kernelsInPlace(); }
}

// --cpu-profile: this build alone
if (cpuProfile !== undefined) {
  const profiling = await startCpuProfile(50);
  const t0 = performance.now();
  for (let k = 0; k < rounds * steps; k++) builds.this!.step();
  const wall = performance.now() - t0;
  await profiling.stop(cpuProfile);
  console.log(`${here}: ${rounds * steps} M1 steps profiled, ${((wall / (rounds * steps)) * 1000).toFixed(1)} µs a step (profiler on); profile in ${cpuProfile}`);
  process.exit(0);
}

/** µs per call of `run`, over `steps` calls. */
function timeRound(run: () => void): number {
  const t0 = clock();
  for (let k = 0; k < steps; k++) run();
  return ((clock() - t0) / steps) * 1000;
}

const phases = args.flags.phases;
type Times = Record<BuildKey, { step: number[]; kernels: number[]; kernelsInPlace: number[] }>;
/** A child's rounds, and (in the one loading this build first, under --expose-gc) its heap lines. */
interface Report { times: Times; heap: string[] }

if (child !== undefined) {
  const times: Times = {
    this: { step: [], kernels: [], kernelsInPlace: [] },
    other: { step: [], kernels: [], kernelsInPlace: [] },
  };
  for (let round = 0; round < child.rounds; round++) {
    for (const key of round % 2 === 0 ? child.order : child.reversed) {
      const b = builds[key]!, t = times[key];
      t.step.push(timeRound(b.step));
      if (phases) {
        t.kernels.push(timeRound(b.kernels));
        t.kernelsInPlace.push(timeRound(b.kernelsInPlace));
      }
    }
  }
  reportToParent({ times, heap: child.first === 'this' ? await heapPerStep() : [] } satisfies Report);
}

const reports = inBothLoadOrders<Report>(rounds);
const pooled = (key: BuildKey, phase: 'step' | 'kernels' | 'kernelsInPlace') => reports.flatMap((r) => r.times[key][phase]);
const times = Object.fromEntries((['this', 'other'] as const).map((key) => [key, { step: pooled(key, 'step'), kernels: pooled(key, 'kernels'), kernelsInPlace: pooled(key, 'kernelsInPlace') }])) as Times;

const us = (v: number) => `${v.toFixed(1)} µs`;
console.log(`M1 (batchNormFused forward + backward, [${N}, ${C}] float64), ${threads} worker thread(s), this checkout (${here}) against ${path.resolve(other)}: median of ${rounds} alternating rounds of ${steps} steps (half with each build loaded first), ${clockName} clock`);
const mine = median(times.this.step), theirs = median(times.other.step);
console.log(`this ${us(mine)}, other ${us(theirs)} a step (${signedPercent(theirs / mine)} speed); paired rounds ${formatGains(pairedGains(times.this.step, times.other.step))}`);
if (phases) {
  for (const key of ['this', 'other'] as const) {
    const t = times[key];
    const rest = t.step.map((s, r) => s - t.kernels[r]!);
    console.log(`${key}: step ${us(median(t.step))} = kernel calls ${us(median(t.kernels))} (of which the WebAssembly code alone ${us(median(t.kernelsInPlace))}) + the rest ${us(median(rest))}`);
  }
}
for (const line of reports[0]?.heap ?? []) console.log(line);

/** Allocation per step of each build, under --expose-gc (lines to print; none without it). */
async function heapPerStep(): Promise<string[]> {
  const gc = (globalThis as { gc?: (opts?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc === undefined) return [];
  const lines: string[] = [];
  const { PerformanceObserver } = await import('node:perf_hooks');
  let collections = 0;
  const observer = new PerformanceObserver((list) => { collections += list.getEntries().length; });
  observer.observe({ entryTypes: ['gc'] });
  const WINDOW = 20;
  for (const key of ['this', 'other'] as const) {
    const perStep: { heap: number; arrayBuffers: number }[] = [];
    for (let w = 0; w < 40; w++) {
      gc({ type: 'minor' });
      await new Promise((r) => setTimeout(r, 0));
      const before = collections;
      const m0 = process.memoryUsage();
      for (let k = 0; k < WINDOW; k++) builds[key]!.step();
      const m1 = process.memoryUsage();
      await new Promise((r) => setTimeout(r, 0));
      if (collections === before) perStep.push({ heap: (m1.heapUsed - m0.heapUsed) / WINDOW, arrayBuffers: (m1.arrayBuffers - m0.arrayBuffers) / WINDOW });
    }
    const heap = median(perStep.map((p) => p.heap)), ab = median(perStep.map((p) => p.arrayBuffers));
    lines.push(`${key}: allocation per step (median of ${perStep.length} GC-free windows of ${WINDOW}): JS heap ${heap.toFixed(0)} B, ArrayBuffers ${ab.toFixed(0)} B`);
  }
  observer.disconnect();
  return lines;
}
