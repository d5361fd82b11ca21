/**
 * Where a W2 step's time goes (or W1's, `--workload W1`): the notebook's net 3072-(1000×5)-10 with
 * BatchNorm, batch 500, Adam, float32, as `trainingChild.ts` steps it (`fcnet`: cs231n's
 * `FullyConnectedNet.loss` + `Adam.step`; or `sequential`), on the WebAssembly kernels with
 * `--threads N` GEMM workers. Every method of the kernel set is wrapped with a clock, so the step
 * splits into GEMM (by shape), BatchNorm forward and backward, ReLU and its backward, the bias add
 * and row sums, the Adam update, `allocate` (zero-filled buffers), and what is left: the JavaScript
 * around them (tape, nn, optim, softmax and cross-entropy, which have no kernel). A kernel's time
 * is the wall time of its call, thread split and call glue included; the clocks themselves cost a
 * few microseconds a call (~100 calls a step).
 *
 * Run: `node bench/dist/w2Profile.js [--workload W2|W1] [--model fcnet|sequential] [--threads 0]
 * [--steps 20] [--checkout DIR] [--cpu-profile FILE]`. Prints steps/s of the clocked steps and, per
 * kernel, ms per step and share. `--checkout` profiles another checkout's built packages (a base).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KernelSet } from '@tapegrad/core';
import { cliArgs } from './cliArgs.js';
import { startCpuProfile } from './cpuProfiler.js';
import { median } from './sampleData.js';
import { W1, W2, minibatches, trainingModel, trainingStep } from './w1Workload.js';

const args = cliArgs({
  script: 'w2Profile',
  usage: 'node bench/dist/w2Profile.js [--workload W2|W1] [--model fcnet|sequential] [--threads 0] [--steps 20] [--cpu-profile FILE]',
  values: { workload: 'W2', model: 'fcnet', threads: '0', steps: '20', checkout: undefined, 'cpu-profile': undefined },
});
const model = args.values.model;
if (model !== 'fcnet' && model !== 'sequential') throw new Error(`w2Profile: --model is fcnet or sequential (got ${model})`);
const workload = args.values.workload;
if (workload !== 'W1' && workload !== 'W2') throw new Error(`w2Profile: --workload is W1 or W2 (got ${workload})`);
const cfg = workload === 'W1' ? W1 : W2;
const steps = args.number('steps');
const threads = args.number('threads');

const checkout = path.resolve(args.values.checkout ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
const dist = (pkg: string) => pathToFileURL(path.resolve(checkout, `packages/${pkg}/dist/index.js`)).href;
const core = (await import(dist('core'))) as typeof import('@tapegrad/core');
const packages = { core, nn: (await import(dist('nn'))) as typeof import('@tapegrad/nn'), optim: (await import(dist('optim'))) as typeof import('@tapegrad/optim') };
const { getKernels } = core;
core.setKernels('wasm', { threads });
core.manualSeed(0);
const step = trainingStep(trainingModel(packages, cfg, model), minibatches(packages, cfg)); // model first, as trainingChild
for (let k = 0; k < (workload === 'W1' ? 200 : 5); k++) step();

// every kernel method wrapped with a clock; gemm also by form and shape
const kernels = getKernels() as KernelSet & Record<string, unknown>;
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
      add(`gemm ${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'} ${m}×${k}×${n}`, ms);
    }
    add(name === 'gemm' ? 'gemm (all)' : name, ms);
    return r;
  };
}

const cpuProfile = args.values['cpu-profile'];
const profiling = cpuProfile === undefined ? null : await startCpuProfile(200);
const times: number[] = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let k = 0; k < steps; k++) {
  const s0 = performance.now();
  step();
  times.push(performance.now() - s0);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
if (profiling !== null && cpuProfile !== undefined) await profiling.stop(cpuProfile);

console.log(`${checkout}: ${workload} ${model}, ${getKernels().threads} GEMM worker thread(s): ${(steps / (wall / 1000)).toFixed(2)} steps/s over ${steps} clocked steps (median step ${median(times).toFixed(1)} ms; CPU ${((cpu.user + cpu.system) / 1000 / wall).toFixed(2)}× wall)`);
const perStep = wall / steps;
const kernelMs = [...spent].filter(([k]) => !k.startsWith('gemm ') || k === 'gemm (all)').reduce((s, [, v]) => s + v.ms, 0);
console.log('kernel / shape                       calls/step   ms/step   share');
const line = (key: string, calls: number, ms: number) =>
  console.log(`${key.padEnd(36)} ${(calls / steps).toFixed(1).padStart(10)} ${(ms / steps).toFixed(2).padStart(9)} ${((100 * ms) / wall).toFixed(1).padStart(6)}%`);
const sorted = [...spent].sort((a, b) => b[1].ms - a[1].ms);
for (const [key, s] of sorted) if (!key.startsWith('gemm ') || key === 'gemm (all)') line(key, s.calls, s.ms);
line('outside the kernels (JS, tape, loss)', steps, wall - kernelMs);
for (const [key, s] of sorted) if (key.startsWith('gemm ') && key !== 'gemm (all)') line(`  ${key}`, s.calls, s.ms);
console.log(`step ${perStep.toFixed(1)} ms`);
