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
 * each leading every other round. The rounds run in two child processes, half with each build loaded
 * first (`loadOrders.ts`: the first-loaded build is favoured). Prints the median seconds per round of each build, and the median
 * and quartiles of the gains of round pairs (the other build's time over this one's in the same
 * pair). Also says whether the two builds' loss histories are identical (a GEMM that sums in another
 * order changes the last digits).
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { inBothLoadOrders, loadOrderChild, reportToParent, type BuildKey } from './loadOrders.js';
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
type Prepared = Awaited<ReturnType<typeof prepare>>;

/** Runs every task once on `build`; returns the milliseconds and the loss histories. */
async function round(build: Prepared): Promise<{ ms: number; losses: number[][] }> {
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

/** What a child reports: its rounds' times, each build's loss histories of its warm-up round, and the plan. */
interface Report {
  times: Record<BuildKey, number[]>;
  losses: Record<BuildKey, number[][]>;
  /** The tasks' run keys, joined as printed, and the iterations a round. */
  plan: string;
  iterations: number;
}

const child = loadOrderChild();
if (child !== undefined) {
  const builds: Partial<Record<BuildKey, Prepared>> = {};
  for (const key of child.order) builds[key] = await prepare(key === 'this' ? here : other);
  if (JSON.stringify(builds.this!.tasks) !== JSON.stringify(builds.other!.tasks)) throw new Error('trainingTaskPaired: the two checkouts plan different tasks');
  // warm-up: one round each
  const losses: Record<BuildKey, number[][]> = { this: [], other: [] };
  for (const key of child.order) losses[key] = (await round(builds[key]!)).losses;
  const times: Record<BuildKey, number[]> = { this: [], other: [] };
  // each timed run comes right after an untimed run of the same build: a run that followed the other
  // build's ran 40-80 ms slower (of ~300, batch-5 trainings, an A/A run), and more for one build than
  // the other (caches and the collector's state are the previous build's). A full collection before
  // each turn removed that but made every round 50% slower.
  for (let r = 0; r < child.rounds; r++) {
    for (const key of r % 2 === 0 ? child.order : child.reversed) {
      await round(builds[key]!);
      times[key].push((await round(builds[key]!)).ms);
    }
  }
  const { tasks, training } = builds.this!;
  const plan = tasks.map((t) => t.runs.map((r) => r.key).join('+')).join(', ');
  const iterations = tasks.reduce((sum, t) => sum + t.runs.reduce((u, run) => u + training.iterationsOf(run), 0), 0);
  reportToParent({ times, losses, plan, iterations } satisfies Report);
}
const reports = inBothLoadOrders<Report>(rounds);
const times: Record<BuildKey, number[]> = { this: reports.flatMap((r) => r.times.this), other: reports.flatMap((r) => r.times.other) };
const { losses: first, plan, iterations } = reports[0]!;

console.log(`${args.values.section} tasks ${plan} (${epochs ?? 'the section\'s'} epochs, ${iterations} iterations a round), this checkout (${here}) against ${other}: ${rounds} alternating rounds (half with each build loaded first), ${clockName} clock`);
const a = median(times.this), b = median(times.other);
console.log(`this ${(a / 1000).toFixed(3)} s, other ${(b / 1000).toFixed(3)} s a round (${signedPercent(b / a)}); paired rounds ${formatGains(pairedGains(times.this, times.other))}`);
let maxDiff = 0, identical = true;
first.this.forEach((h, i) => h.forEach((l, j) => {
  const o = first.other[i]![j]!;
  if (l !== o) identical = false;
  maxDiff = Math.max(maxDiff, Math.abs(l - o));
}));
console.log(identical ? 'loss histories identical' : `loss histories differ: largest difference ${maxDiff.toExponential(2)}`);
if (process.env['PAIRED_RAW']) console.log(JSON.stringify({ this: times.this.map(Math.round), other: times.other.map(Math.round) }));
