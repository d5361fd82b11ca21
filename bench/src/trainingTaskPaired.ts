/**
 * Two checkouts' notebook trainings, timed in one process round for round: some of a section's
 * planned tasks (by default two of weight-scale's, `examples/notebook/sections/weightScale.ts`:
 * FullyConnectedNet, hidden [50] × 7, batch 50, 1000 training images, Adam through optim's Solver,
 * `checkAccuracy` every epoch, at the section's 11th scale, 1.27e-2, with and without batchnorm) run by
 * this checkout's `runTrainingTask` and by another checkout's (built), each with its own module state
 * (kernels, RNG, pools), on the same training arrays. Fewer epochs than the section's 10
 * (`--epochs`) keep a round short; the work per iteration and per accuracy check is the section's.
 *
 * Run: `node bench/dist/trainingTaskPaired.js OTHER_CHECKOUT [--section weight-scale] [--keys
 * ws-11-batchnorm,ws-11-baseline|all] [--epochs 2|section] [--rounds 20] [--clock wall|cpu] [--this
 * CHECKOUT] [--data DIR]`. A round runs every chosen task once on one build; the builds alternate,
 * each leading every other round. Prints the median seconds per round of each build, and the median
 * and quartiles of the gains of round pairs (the other build's time over this one's in the same
 * pair). Also says whether the two builds' loss histories are identical (a GEMM that sums in another
 * order changes the last digits).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { formatGains, median, pairedGains, signedPercent } from './sampleData.js';
import { loadNotebookBuild, notebookTasks, type NotebookBuild } from './notebookTasks.js';


const args = cliArgs({
  script: 'trainingTaskPaired',
  usage: 'node bench/dist/trainingTaskPaired.js OTHER_CHECKOUT [--section weight-scale] [--keys ws-11-batchnorm,ws-11-baseline|all] [--epochs 2|section] [--rounds 20] [--clock wall|cpu] [--this CHECKOUT] [--data DIR]',
  values: { section: 'weight-scale', keys: 'ws-11-batchnorm,ws-11-baseline', epochs: '2', rounds: '20', clock: 'wall', this: undefined, data: '/work/shared/data/cifar10-subset' },
  positionals: { required: ['OTHER_CHECKOUT'] },
});
const other = path.resolve(args.positionals[0]!);
const here = path.resolve(args.values.this ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
const rounds = args.number('rounds');
const epochs = args.values.epochs === 'section' ? null : args.number('epochs');
const clockName = args.values.clock;
if (clockName !== 'wall' && clockName !== 'cpu') throw new Error(`trainingTaskPaired: --clock is wall or cpu (got ${clockName})`);
/** Milliseconds of wall time, or of this process's CPU time (user + system). */
const clock = clockName === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

/** A build with its data and tasks, each made by its own code (so neither build's state is touched by the other). */
async function prepare(checkout: string): Promise<NotebookBuild & Awaited<ReturnType<typeof notebookTasks>>> {
  const build = await loadNotebookBuild(checkout);
  build.core.setKernels('wasm', { threads: 0 });
  return { ...build, ...(await notebookTasks(build, { section: args.values.section, keys: args.values.keys, epochs, dataDir: args.values.data })) };
}
const mine = await prepare(here);
const theirs = await prepare(other);
const tasks = mine.tasks;
if (JSON.stringify(tasks) !== JSON.stringify(theirs.tasks)) throw new Error('trainingTaskPaired: the two checkouts plan different tasks');

/** Runs every task once on `build`; returns the milliseconds and the loss histories. */
async function round(build: NotebookBuild & { arrays: typeof mine.arrays; tasks: typeof tasks }): Promise<{ ms: number; losses: number[][] }> {
  const t0 = clock();
  const losses: number[][] = [];
  for (const task of build.tasks) {
    for (const r of await build.training.runTrainingTask(task, build.arrays)) {
      if (r.error !== null) throw new Error(`trainingTaskPaired: ${r.key} stopped (${r.error})`);
      losses.push(r.lossHistory);
    }
  }
  return { ms: clock() - t0, losses };
}

const builds = { this: mine, other: theirs } as const;
// warm-up: one round each
const first = { this: await round(builds.this), other: await round(builds.other) };
const times: Record<'this' | 'other', number[]> = { this: [], other: [] };
// each timed run comes right after an untimed run of the same build: a run that followed the other
// build's ran 40-80 ms slower (of ~300, batch-5 trainings, an A/A run), and more for one build than
// the other (caches and the collector's state are the previous build's). What remains is a bias of 0
// to -3% against `this` in A/A runs (bench/README.md); a full collection before each turn removed it
// but made every round 50% slower.
for (let r = 0; r < rounds; r++) {
  for (const key of r % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
    await round(builds[key]);
    times[key].push((await round(builds[key])).ms);
  }
}

const iterations = tasks.reduce((s, t) => s + t.runs.reduce((u, run) => u + mine.training.iterationsOf(run), 0), 0);
console.log(`${args.values.section} tasks ${tasks.map((t) => t.runs.map((r) => r.key).join('+')).join(', ')} (${epochs ?? 'the section\'s'} epochs, ${iterations} iterations a round), this checkout (${here}) against ${other}: ${rounds} alternating rounds, ${clockName} clock`);
const a = median(times.this), b = median(times.other);
console.log(`this ${(a / 1000).toFixed(3)} s, other ${(b / 1000).toFixed(3)} s a round (${signedPercent(b / a)}); paired rounds ${formatGains(pairedGains(times.this, times.other))}`);
let maxDiff = 0, identical = true;
first.this.losses.forEach((h, i) => h.forEach((l, j) => {
  const o = first.other.losses[i]![j]!;
  if (l !== o) identical = false;
  maxDiff = Math.max(maxDiff, Math.abs(l - o));
}));
console.log(identical ? 'loss histories identical' : `loss histories differ: largest difference ${maxDiff.toExponential(2)}`);
if (process.env['PAIRED_RAW']) console.log(JSON.stringify({ this: times.this.map(Math.round), other: times.other.map(Math.round) }));
