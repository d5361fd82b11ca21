/**
 * Giving many arrays of one length back to core's pool at once (a user freeing a big graph of
 * same-shaped tensors): the time per array given back, for 1,000, 10,000 and 100,000 arrays in one
 * `giveBackArrays` call. The pool's "already pooled" check must not depend on how many arrays of that
 * length it holds; if it does (a scan of the length's free list), the time per array grows with the
 * count (tenfold per row) where it should stay flat.
 *
 * Run: `node bench/dist/poolGiveBack.js [OTHER_CHECKOUT] [--counts 1000,10000,100000] [--length 16]
 * [--rounds 5]`. With OTHER_CHECKOUT (built), that checkout's core is timed too, round for round
 * alternating with this one's, each with its own module state (pool, kernels). Each round gives back
 * `count` float32 arrays of `length` elements (below the kernels' memory size, so none is swapped),
 * then takes them all out again (`zeros`), so every round starts with that length's list empty.
 * Prints each build's median nanoseconds per array given back, by count.
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { median } from './sampleData.js';

type Core = typeof import('@tapegrad/core');

const args = cliArgs({
  script: 'poolGiveBack',
  usage: 'node bench/dist/poolGiveBack.js [OTHER_CHECKOUT] [--counts 1000,10000,100000] [--length 16] [--rounds 5]',
  values: { counts: '1000,10000,100000', length: '16', rounds: '5' },
  positionals: { optional: ['OTHER_CHECKOUT'] },
});
const counts = args.values.counts.split(',').map(Number);
if (counts.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`poolGiveBack: --counts as positive integers, comma-separated (got ${args.values.counts})`);
const length = args.number('length');
const rounds = args.number('rounds');
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const other = args.positionals[0];

async function load(checkout: string): Promise<Core> {
  return (await import(pathToFileURL(path.resolve(checkout, 'packages/core/dist/index.js')).href)) as Core;
}

/** Nanoseconds per array for one round of `count` give-backs on `core`, the pool left as it was. */
function round(core: Core, count: number): number {
  const tensors = Array.from({ length: count }, () => core.fromArray(new Float32Array(length)));
  const t0 = process.hrtime.bigint();
  core.giveBackArrays(tensors);
  const ns = Number(process.hrtime.bigint() - t0) / count;
  for (let i = 0; i < count; i++) core.zeros([length], { dtype: 'float32' }); // empties that length's list
  return ns;
}

const builds: [string, Core][] = [['this', await load(here)]];
if (other !== undefined) builds.push(['other', await load(other)]);
for (const [, core] of builds) core.setKernels('wasm', { threads: 0 });
for (const [, core] of builds) round(core, 1000); // warm-up
console.log(`poolGiveBack: ${rounds} rounds, float32 arrays of ${length}; this = ${here}${other !== undefined ? `, other = ${path.resolve(other)}` : ''}`);
for (const count of counts) {
  const times = new Map<string, number[]>(builds.map(([key]) => [key, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const [key, core] of order) times.get(key)!.push(round(core, count));
  }
  console.log(`${count} arrays given back at once: ${builds.map(([key]) => `${key} ${median(times.get(key)!).toFixed(0)} ns`).join(', ')} per array (median of ${rounds})`);
}
