/**
 * Two checkouts' whole training step, timed in one process round for round: this checkout's
 * packages against another checkout's (built), each with its own module state (kernels, RNG,
 * pools). The step is bench W1's (the notebook's net 3072-(100×5)-10 with BatchNorm, batch 50,
 * Adam; `--dtype float64` for W3; `--workload W2` for hidden 1000 and batch 500) written two ways: cs231n's `FullyConnectedNet.loss` +
 * `Adam.step` (`fcnet`), and the PyTorch-style quickstart (`Sequential` + `crossEntropy` + `Adam`,
 * `sequential`). On a machine whose speed drifts by a quarter within minutes, alternating rounds
 * put both builds under the same conditions, so a few percent shows. The rounds run in two child
 * processes, half with each build loaded first (`loadOrders.ts`: the first-loaded build is favoured).
 *
 * Run: `node bench/dist/w1Paired.js OTHER_CHECKOUT [--workload W1|W2] [--model fcnet|sequential] [--dtype float32|float64]
 * [--threads 0] [--rounds 20] [--steps 50] [--this CHECKOUT] [--clock wall|cpu]`. `--threads N` gives each
 * build's kernels N worker threads (only the running build's are busy: the other's wait). Prints the median steps/s of each build, this build's gain,
 * and the median (and quartiles) of the gains of round pairs (a round and the other build's round
 * next to it), which a burst of load spoils for one pair only. `--this` times another checkout in
 * this one's place (a bisect point against a base).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { formatGains, median, pairedGains, signedPercent } from './sampleData.js';
import { inBothLoadOrders, loadOrderChild, reportToParent, type BuildKey } from './loadOrders.js';
import { W1, W2, type Form } from './w1Workload.js';

type Core = typeof import('@tapegrad/core');
type Nn = typeof import('@tapegrad/nn');
type Optim = typeof import('@tapegrad/optim');

const args = cliArgs({
  script: 'w1Paired',
  usage: 'node bench/dist/w1Paired.js OTHER_CHECKOUT [--workload W1|W2] [--model fcnet|sequential] [--dtype float32|float64] [--threads N] [--rounds N] [--steps N] [--this CHECKOUT] [--clock wall|cpu]',
  values: { workload: 'W1', model: 'fcnet', dtype: 'float32', threads: '0', rounds: '20', steps: '50', this: undefined, clock: 'wall' },
  positionals: { required: ['OTHER_CHECKOUT'] },
});
const other = args.positionals[0]!;
const model = args.values.model;
const dtype = args.values.dtype as 'float32' | 'float64';
const rounds = args.number('rounds');
const steps = args.number('steps');
const threads = args.number('threads');
const workload = args.values.workload;
if (workload !== 'W1' && workload !== 'W2') throw new Error(`w1Paired: --workload is W1 or W2 (got ${workload})`);
if (model !== 'fcnet' && model !== 'sequential') throw new Error(`w1Paired: --model is fcnet or sequential (got ${model})`);
const form: Form = model;
const here = path.resolve(args.values.this ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));

async function load(checkout: string): Promise<{ core: Core; nn: Nn; optim: Optim }> {
  const dist = (pkg: string) => pathToFileURL(path.resolve(checkout, `packages/${pkg}/dist/index.js`)).href;
  return { core: (await import(dist('core'))) as Core, nn: (await import(dist('nn'))) as Nn, optim: (await import(dist('optim'))) as Optim };
}

/**
 * One build's training step on ten fixed minibatches, cycled (`w1Workload.ts`'s, built on that
 * build's packages; the data drawn before the model). Each build gets its own instance of the
 * workload module, so the step's code shares no inline caches between the builds.
 */
async function stepOf(packages: { core: Core; nn: Nn; optim: Optim }, key: BuildKey): Promise<() => void> {
  const { minibatches, trainingModel, trainingStep } = (await import(`./w1Workload.js?build=${key}`)) as typeof import('./w1Workload.js');
  packages.core.setKernels('wasm', { threads });
  packages.core.manualSeed(0);
  const cfg = { ...(workload === 'W2' ? W2 : W1), dtype };
  const data = minibatches(packages, cfg);
  return trainingStep(trainingModel(packages, cfg, form), data);
}

/**
 * Milliseconds of wall time, or with `--clock cpu` of this process's CPU time (user + system): on a
 * machine whose other processes take the core away for milliseconds at a time, CPU time leaves out
 * the time we were not running (not the slowdown of sharing the core with a busy sibling thread).
 */
const clockName = args.values.clock;
if (clockName !== 'wall' && clockName !== 'cpu') throw new Error(`w1Paired: --clock is wall or cpu (got ${clockName})`);
const clock = clockName === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

type Times = Record<BuildKey, number[]>;
const child = loadOrderChild();
if (child !== undefined) {
  const builds: Partial<Record<BuildKey, () => void>> = {};
  for (const key of child.order) builds[key] = await stepOf(await load(key === 'this' ? here : other), key);
  for (const key of child.order) for (let k = 0; k < (workload === 'W2' ? 5 : 100); k++) builds[key]!();
  const times: Times = { this: [], other: [] };
  for (let round = 0; round < child.rounds; round++) {
    for (const key of round % 2 === 0 ? child.order : child.reversed) {
      const t0 = clock();
      for (let k = 0; k < steps; k++) builds[key]!();
      times[key].push((clock() - t0) / steps);
    }
  }
  reportToParent(times);
}
const reports = inBothLoadOrders<Times>(rounds);
const times: Times = { this: reports.flatMap((r) => r.this), other: reports.flatMap((r) => r.other) };
const rate = (key: BuildKey) => 1000 / median(times[key]);
const mine = rate('this'), theirs = rate('other');
console.log(`${workload} ${model} ${dtype}, ${threads} worker thread(s), this checkout (${here}) against ${path.resolve(other)}: median of ${rounds} alternating rounds of ${steps} steps (half with each build loaded first), ${clockName} clock`);
console.log(`this ${mine.toFixed(1)} steps/s, other ${theirs.toFixed(1)} steps/s (${signedPercent(mine / theirs)}); paired rounds ${formatGains(pairedGains(times.this, times.other))}`);
