/**
 * Where a W1 step's time and memory go. Runs W1's step (the notebook's net 3072-(100×5)-10 with
 * BatchNorm, batch 50, Adam; `--model fcnet` as cs231n's `FullyConnectedNet.loss` + `Adam.step`, or
 * `sequential`, the quickstart's `Sequential` + `crossEntropy` + `Adam`, or `scoped`, that one with its
 * forward and backward in a `recyclingArrays` scope, or `scopedStep`, the whole step in one) and reports:
 *
 * - phases: the median time of forward (to the loss), backward and the optimizer step, each timed
 *   on its own (`sequential` only: `FullyConnectedNet.loss` is forward and backward in one call);
 * - allocation: bytes of JavaScript heap and of ArrayBuffers allocated per step after warm-up,
 *   measured over steps between which no garbage collection ran (run with `--expose-gc`; each window
 *   of steps starts after a forced minor collection);
 * - with `--cpu-profile FILE`, a CPU profile of the timed steps, which `cpuProfileSummary.js` sums
 *   by kind of work; with `--heap-sample FILE`, where 100 steps' JavaScript allocations come from.
 *
 * Run: `node --expose-gc bench/dist/w1Profile.js [--model fcnet|sequential|scoped|scopedStep] [--dtype float32|float64] [--kernels wasm|js]
 * [--steps 400] [--threads 0] [--window 5] [--cpu-profile FILE] [--heap-sample FILE]`.
 * @module
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getKernels, manualSeed, setKernels, writeFileAtomic } from '@tapegrad/core';
import { cliArgs } from './cliArgs.js';
import { startCpuProfile } from './cpuProfiler.js';
import { median } from './sampleData.js';
import { packages } from './w1Step.js';
import { W1, minibatches, trainingModel } from './w1Workload.js';

const args = cliArgs({
  script: 'w1Profile',
  usage: 'node --expose-gc bench/dist/w1Profile.js [--model fcnet|sequential|scoped|scopedStep] [--dtype float32|float64] [--kernels wasm|js] [--steps 400] [--threads 0] [--window 5] [--cpu-profile FILE] [--heap-sample FILE]',
  values: {
    model: 'fcnet', dtype: 'float32', kernels: 'wasm', steps: '400', threads: '0', window: '5', 'cpu-profile': undefined, 'heap-sample': undefined,
  },
});
const model = args.values.model;
const dtype = args.values.dtype as 'float32' | 'float64';
const steps = args.number('steps');
const threads = args.number('threads');

setKernels(args.values.kernels as 'wasm', { threads });
if (model !== 'fcnet' && model !== 'sequential' && model !== 'scoped' && model !== 'scopedStep') throw new Error(`w1Profile: --model is fcnet, sequential, scoped or scopedStep (got ${model})`);
manualSeed(0);
const cfg = { ...W1, dtype };
const data = minibatches(packages, cfg); // the data drawn before the model, as w1Paired
const net = trainingModel(packages, cfg, model);
const phase = { forward: [] as number[], backward: [] as number[], optimizer: [] as number[], step: [] as number[] };

/** W1's step (`trainingStep`'s phases), each phase timed: fcnet's forward is `loss`, forward and backward in one. */
const step = (): void => {
  const [X, y] = data.next();
  const t0 = performance.now();
  net.forward(X, y);
  const t1 = performance.now();
  net.backward(); // fcnet: nothing, and no clock read (as before the builders were shared)
  const t2 = model === 'sequential' ? performance.now() : t1;
  net.update();
  const t3 = performance.now();
  phase.forward.push(t1 - t0);
  if (model === 'sequential') phase.backward.push(t2 - t1);
  phase.optimizer.push(t3 - t2);
  phase.step.push(t3 - t0);
};

/**
 * The same step untimed, for the allocation windows and the heap sample: they count what the
 * library allocates, not the clock reads and the growth of the phase lists (~0.4 KB a step).
 */
const bareStep = (): void => {
  const batch = data.next();
  net.forward(batch[0], batch[1]);
  net.backward();
  net.update();
};

for (let k = 0; k < 200; k++) step();
for (let k = 0; k < 50; k++) bareStep();
for (const list of Object.values(phase)) list.length = 0;

// allocation: count collections while stepping; a window of steps with none measures what they allocated
let collections = 0;
const observer = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });
const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;
const perStep: { heap: number; arrayBuffers: number }[] = [];
const window = args.number('window');
let windows = 0, windowCollections = 0;
for (let round = 0; round < 40 && gc !== undefined; round++) {
  // a minor collection empties the young generation, so that none runs inside the window; a full
  // one (as here before 2026-12-07) also frees the hidden classes of the ndarray views that no live
  // object has between steps (such as the float64 ones of a float32 step), which throws away the
  // optimized code that had them inlined: the windows then ran partly unoptimized, and their median
  // moved by up to 100 KB between runs of one build
  gc({ type: 'minor' });
  await new Promise((r) => setTimeout(r, 0)); // let the observer report the forced collection
  const before = collections;
  const m0 = process.memoryUsage();
  const n = window;
  for (let k = 0; k < n; k++) bareStep();
  const m1 = process.memoryUsage();
  await new Promise((r) => setTimeout(r, 0));
  windows++;
  windowCollections += collections - before;
  if (collections === before) perStep.push({ heap: (m1.heapUsed - m0.heapUsed) / n, arrayBuffers: (m1.arrayBuffers - m0.arrayBuffers) / n });
}
observer.disconnect();
for (const list of Object.values(phase)) list.length = 0;

// --heap-sample FILE: where the JavaScript heap allocations of 100 steps come from (a sampling heap
// profile that keeps collected objects), as a .heapprofile to open in Chrome DevTools' Memory panel
const heapSample = args.values['heap-sample'];
if (heapSample !== undefined) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let k = 0; k < 100; k++) bareStep();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await writeFileAtomic(heapSample, JSON.stringify(profile));
  session.disconnect();
}

// --cpu-profile FILE: a CPU profile of the timed steps only (for cpuProfileSummary.js)
const cpuProfile = args.values['cpu-profile'];
const profiling = cpuProfile === undefined ? null : await startCpuProfile(100);
/** Bytes handed out by the WebAssembly kernels' heap (blocks not yet released). */
const heapBytes = () => (getKernels() as { heap?: { allocatedBytes: number } }).heap?.allocatedBytes ?? 0;
const heapBefore = heapBytes();
const t0 = performance.now();
for (let k = 0; k < steps; k++) step();
const wall = performance.now() - t0;
if (profiling !== null && cpuProfile !== undefined) await profiling.stop(cpuProfile);

console.log(`kernel heap: ${(heapBefore / 1e6).toFixed(1)} MB before the timed steps, ${(heapBytes() / 1e6).toFixed(1)} MB after`);
const ms = (list: number[]) => (list.length === 0 ? 'n/a' : `${median(list).toFixed(3)} ms`);
console.log(`${model} ${dtype}, ${threads} GEMM thread(s): ${(steps / (wall / 1000)).toFixed(1)} steps/s over ${steps} steps`);
console.log(`median step ${ms(phase.step)}: forward${model === 'fcnet' ? ' + backward (loss)' : model === 'scopedStep' ? ' + backward + optimizer (the whole step in its scope)' : ''} ${ms(phase.forward)}, backward ${ms(phase.backward)}, optimizer ${ms(phase.optimizer)}`);
if (gc === undefined) console.log('allocation: run with --expose-gc to measure');
else if (perStep.length === 0) console.log(`allocation: a collection ran in every window (${(windowCollections / windows / window).toFixed(2)} per step; try --window 1 or --max-semi-space-size)`);
else {
  const heap = median(perStep.map((p) => p.heap)), ab = median(perStep.map((p) => p.arrayBuffers));
  console.log(`allocation per step after warm-up (median of ${perStep.length} GC-free windows of ${window} steps; ${(windowCollections / windows / window).toFixed(2)} collections per step): JS heap ${heap.toFixed(0)} B, ArrayBuffers ${ab.toFixed(0)} B`);
}
