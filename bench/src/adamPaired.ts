/**
 * Two checkouts' `Adam.step` alone, timed round for round: the parameters of W1's net (3072-100×5-10
 * with BatchNorm's γ and β: 348,710 values in 22 tensors) with random gradients, PyTorch's defaults
 * (lr 1e-3, no weight decay), each checkout with its own modules (kernels, pools). The rounds run in two
 * child processes, half with each build loaded first (`loadOrders.ts`).
 *
 * Run: `node bench/dist/adamPaired.js OTHER_CHECKOUT [--dtype float32|float64] [--rounds 20] [--steps 100]
 * [--this CHECKOUT]`. Prints each build's median µs per step, this build's gain and the median (and
 * quartiles) of the gains of round pairs.
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { inBothLoadOrders, loadOrderChild, reportToParent, type BuildKey } from './loadOrders.js';
import { formatGains, median, pairedGains, signedPercent } from './sampleData.js';

const args = cliArgs({
  script: 'adamPaired',
  usage: 'node bench/dist/adamPaired.js OTHER_CHECKOUT [--dtype float32|float64] [--rounds N] [--steps N] [--this CHECKOUT]',
  values: { dtype: 'float32', rounds: '20', steps: '100', this: undefined },
  positionals: { required: ['OTHER_CHECKOUT'] },
});
const dtype = args.values.dtype as 'float32' | 'float64';
if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`adamPaired: --dtype is float32 or float64 (got ${dtype})`);
const rounds = args.number('rounds'), steps = args.number('steps');
if (rounds < 2 || steps < 1) throw new Error(`adamPaired: --rounds ≥ 2 and --steps ≥ 1 (got ${rounds}, ${steps})`);
const here = path.dirname(fileURLToPath(import.meta.url));
const roots: Record<BuildKey, string> = {
  this: path.resolve(args.values.this ?? path.join(here, '..', '..')),
  other: path.resolve(args.positionals[0]!),
};

/** W1's parameter shapes: each Linear's weight and bias, and BatchNorm's γ and β after the hidden ones. */
const SHAPES: number[][] = [];
for (const [fanIn, fanOut] of [[3072, 100], [100, 100], [100, 100], [100, 100], [100, 100], [100, 10]] as const) {
  SHAPES.push([fanOut, fanIn], [fanOut]);
  if (fanOut === 100) SHAPES.push([100], [100]);
}

/** One build's optimizer over fresh parameters, warmed up. */
async function load(root: string): Promise<() => void> {
  const core = (await import(pathToFileURL(path.join(root, 'packages/core/dist/index.js')).href)) as typeof import('@tapegrad/core');
  const optim = (await import(pathToFileURL(path.join(root, 'packages/optim/dist/index.js')).href)) as typeof import('@tapegrad/optim');
  await core.kernelsReady();
  core.manualSeed(0);
  const params = SHAPES.map((shape) => {
    const p = core.randn(shape, { dtype, requiresGrad: true });
    p.grad = core.randn(shape, { dtype });
    return p;
  });
  const optimizer = new optim.Adam(params);
  for (let i = 0; i < 20; i++) optimizer.step();
  return () => optimizer.step();
}

/** µs per step of `steps` steps. */
function timeSteps(step: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step();
  return Number(process.hrtime.bigint() - start) / 1e3 / steps;
}

const child = loadOrderChild();
if (child !== undefined) {
  const run = {} as Record<BuildKey, () => void>;
  for (const key of child.order) run[key] = await load(roots[key]);
  const us: Record<BuildKey, number[]> = { this: [], other: [] };
  for (let r = 0; r < child.rounds; r++) for (const key of r % 2 === 0 ? child.order : child.reversed) us[key].push(timeSteps(run[key]));
  reportToParent(us);
}
const reports = inBothLoadOrders<Record<BuildKey, number[]>>(rounds);
const mine = reports.flatMap((r) => r.this), theirs = reports.flatMap((r) => r.other);
console.log(`Adam.step over W1's ${SHAPES.length} parameters, ${dtype}: this checkout (${roots.this}) against ${roots.other}, median of ${rounds} rounds of ${steps} steps (half with each build loaded first)`);
console.log(`this ${median(mine).toFixed(1)} µs, other ${median(theirs).toFixed(1)} µs (${signedPercent(median(theirs) / median(mine))}); paired rounds ${formatGains(pairedGains(mine, theirs))}`);
