/**
 * Where a W2 step's time goes (or W1's, `--workload W1`): the notebook's net 3072-(1000×5)-10 with
 * BatchNorm, batch 500, Adam, float32, as `trainingChild.ts` steps it (`fcnet`: cs231n's
 * `FullyConnectedNet.loss` + `Adam.step`; or `sequential`), on the WebAssembly kernels with
 * `--threads N` workers. Every method of the kernel set is wrapped with a clock, so the step splits
 * into GEMM (by shape), BatchNorm forward and backward, ReLU and its backward, the bias add and row
 * sums, the Adam update, `allocate` (zero-filled buffers), and what is left: the JavaScript around
 * them (tape, nn, optim, softmax and cross-entropy, which have no kernel). A kernel's time is the
 * wall time of its call, thread split and call glue included; the clocks themselves cost a few
 * microseconds a call (~100 calls a step).
 *
 * With `--against DIR`, another checkout's build runs the same step in the same process, the two
 * alternating step for step (each with its own module state and workers), and every line shows
 * both builds' ms per step and the difference: a kernel's change shows even while the machine's
 * speed drifts.
 *
 * Run: `node bench/dist/w2Profile.js [--workload W2|W1] [--model fcnet|sequential] [--threads 0]
 * [--steps 20] [--checkout DIR] [--against DIR] [--cpu-profile FILE]`. `--checkout` profiles another
 * checkout's built packages in this one's place (a base).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KernelSet } from '@tapegrad/core';
import { cliArgs } from './cliArgs.js';
import { startCpuProfile } from './cpuProfiler.js';
import { median } from './sampleData.js';
import { W1, W2, minibatches, trainingModel, trainingStep, type Form } from './w1Workload.js';

const args = cliArgs({
  script: 'w2Profile',
  usage: 'node bench/dist/w2Profile.js [--workload W2|W1] [--model fcnet|sequential] [--threads 0] [--steps 20] [--checkout DIR] [--against DIR] [--cpu-profile FILE]',
  values: { workload: 'W2', model: 'fcnet', threads: '0', steps: '20', checkout: undefined, against: undefined, 'cpu-profile': undefined },
});
const model = args.values.model as Form;
if (model !== 'fcnet' && model !== 'sequential') throw new Error(`w2Profile: --model is fcnet or sequential (got ${String(model)})`);
const workload = args.values.workload;
if (workload !== 'W1' && workload !== 'W2') throw new Error(`w2Profile: --workload is W1 or W2 (got ${workload})`);
const cfg = workload === 'W1' ? W1 : W2;
const steps = args.number('steps');
const threads = args.number('threads');

/** One build's step with its kernels clocked: ms and calls per kernel (and per GEMM shape), and step times. */
interface Clocked {
  checkout: string;
  step: () => void;
  spent: Map<string, { calls: number; ms: number }>;
  times: number[];
}

async function clocked(checkout: string): Promise<Clocked> {
  const dist = (pkg: string) => pathToFileURL(path.resolve(checkout, `packages/${pkg}/dist/index.js`)).href;
  const core = (await import(dist('core'))) as typeof import('@tapegrad/core');
  const packages = { core, nn: (await import(dist('nn'))) as typeof import('@tapegrad/nn'), optim: (await import(dist('optim'))) as typeof import('@tapegrad/optim') };
  core.setKernels('wasm', { threads });
  core.manualSeed(0);
  const step = trainingStep(trainingModel(packages, cfg, model), minibatches(packages, cfg)); // model first, as trainingChild
  for (let k = 0; k < (workload === 'W1' ? 200 : 5); k++) step();
  const kernels = core.getKernels() as KernelSet & Record<string, unknown>;
  const spent = new Map<string, { calls: number; ms: number }>();
  const add = (key: string, ms: number) => {
    const s = spent.get(key) ?? { calls: 0, ms: 0 };
    s.calls++;
    s.ms += ms;
    spent.set(key, s);
  };
  for (const name of Object.keys(kernels)) {
    const f = kernels[name];
    if (typeof f !== 'function' || name === 'dispose') continue;
    kernels[name] = (...a: unknown[]) => {
      const t0 = performance.now();
      const r = (f as (...x: unknown[]) => unknown)(...a);
      const ms = performance.now() - t0;
      if (name === 'gemm') {
        const [tA, tB, m, n, k] = a as [boolean, boolean, number, number, number];
        add(`  gemm ${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'} ${m}×${k}×${n}`, ms);
      }
      add(name === 'gemm' ? 'gemm (all)' : name, ms);
      return r;
    };
  }
  return { checkout, step, spent, times: [] };
}

const here = path.resolve(args.values.checkout ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
const builds = [await clocked(here)];
if (args.values.against !== undefined) builds.push(await clocked(path.resolve(args.values.against)));

const cpuProfile = args.values['cpu-profile'];
const profiling = cpuProfile === undefined ? null : await startCpuProfile(200);
const cpu0 = process.cpuUsage();
for (let k = 0; k < steps; k++) {
  for (const b of k % 2 === 0 ? builds : [...builds].reverse()) {
    const s0 = performance.now();
    b.step();
    b.times.push(performance.now() - s0);
  }
}
const cpu = process.cpuUsage(cpu0);
if (profiling !== null && cpuProfile !== undefined) await profiling.stop(cpuProfile);

const total = (b: Clocked) => b.times.reduce((s, t) => s + t, 0);
for (const b of builds) {
  console.log(`${b.checkout}: ${workload} ${model}, ${threads} worker thread(s): ${(steps / (total(b) / 1000)).toFixed(2)} steps/s over ${steps} clocked steps (median step ${median(b.times).toFixed(1)} ms)`);
}
const wallAll = builds.reduce((s, b) => s + total(b), 0);
console.log(`CPU ${((cpu.user + cpu.system) / 1000 / wallAll).toFixed(2)}× wall`);
const outside = 'outside the kernels (JS, tape, loss)';
const kernelMs = (b: Clocked) => [...b.spent].filter(([k]) => !k.startsWith(' ')).reduce((s, [, v]) => s + v.ms, 0);
for (const b of builds) b.spent.set(outside, { calls: steps, ms: total(b) - kernelMs(b) });
const keys = [...builds[0]!.spent.keys()];
for (const b of builds.slice(1)) for (const k of b.spent.keys()) if (!keys.includes(k)) keys.push(k);
const ms = (b: Clocked, key: string) => (b.spent.get(key)?.ms ?? 0) / steps;
const order = (key: string) => (key.startsWith(' ') ? 1e6 : 0) - ms(builds[0]!, key);
keys.sort((a, b) => order(a) - order(b));
const header = builds.length === 1 ? 'ms/step   share' : 'ms/step  against   change';
console.log(`\n${'kernel / shape'.padEnd(38)} calls/step ${header}`);
for (const key of [...keys, 'step']) {
  const [mine, theirs] = builds.map((b) => (key === 'step' ? total(b) / steps : ms(b, key)));
  const calls = key === 'step' ? 1 : (builds[0]!.spent.get(key)?.calls ?? 0) / steps;
  const tail = theirs === undefined
    ? `${((100 * mine!) / (total(builds[0]!) / steps)).toFixed(1).padStart(6)}%`
    : `${theirs.toFixed(2).padStart(8)} ${(mine! - theirs >= 0 ? '+' : '') + (mine! - theirs).toFixed(2).padStart(7)}`;
  console.log(`${key.padEnd(38)} ${calls.toFixed(1).padStart(10)} ${mine!.toFixed(2).padStart(8)} ${tail}`);
}
