/**
 * How each product of a W1/W2 step runs on one thread and split over two, part by part: the step's
 * products (`stepGemms.ts`) in the step's order on the WebAssembly kernel export itself, each cut by a
 * list of policies in turn (round by round, every policy runs the whole step once), so that one
 * product's figures under two policies are taken minutes apart at most and in the same step context
 * (the operands last written by the same products, in the same threads' caches as far as the policy
 * decides).
 *
 * Policies: `whole` (one thread), `current` (this build's `gemmParts`, as `wasmKernels.ts` calls it
 * for products of at least `threadMinFlops` floating-point operations: the build's own threshold is
 * passed by `--min-flops`, default 4e6), `cols` (two parts by columns of C), `rows` (by rows of C),
 * and `alone-P` (policy P's first part alone on the calling thread, the worker idle: what P's split
 * would take with no cost of its own beyond its share of the work), `twice` (the whole product on
 * both threads at once, the worker's into a scratch C: what the two threads cost each other).
 *
 * Run: `node bench/dist/gemmSplit.js [--workload W2|W1] [--form fcnet|sequential] [--rounds 12]
 * [--policies whole,current,cols,rows] [--min-flops 4e6]`. Prints, per product, the median ms of
 * each policy and the median of each policy's per-round ratio to `whole`; then the step's sum.
 * @module
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { median } from './sampleData.js';
import { operandShapes, leadingDims, stepGemms, type WeightLayout } from './stepGemms.js';
import { W1, W2 } from './w1Workload.js';

const args = cliArgs({
  script: 'gemmSplit',
  usage: 'node bench/dist/gemmSplit.js [--workload W2|W1] [--form fcnet|sequential] [--rounds 12] [--policies whole,current,cols,rows] [--min-flops 4e6]',
  values: { workload: 'W2', form: 'fcnet', rounds: '12', policies: 'whole,current,cols,rows', 'min-flops': '4e6' },
});
const workload = args.values.workload;
if (workload !== 'W1' && workload !== 'W2') throw new Error(`gemmSplit: --workload is W1 or W2 (got ${workload})`);
const form = args.values.form as WeightLayout;
if (form !== 'fcnet' && form !== 'sequential') throw new Error(`gemmSplit: --form is fcnet or sequential (got ${form})`);
const rounds = args.number('rounds');
const minFlops = args.number('min-flops');
const policies = args.values.policies!.split(',');
const cfg = workload === 'W2' ? W2 : W1;

type Kernel = (...a: number[]) => void;
interface Threads { post(i: number, op: number, args: readonly number[]): void; wait(i: number): void; terminate(): void; size: number }
interface SplitJobs {
  runParts(w: Threads, op: number, run: Kernel, parts: readonly number[][]): void;
  cut(extent: number, ways: number, align: number, part: (start: number, size: number) => number[]): number[][];
  gemmParts(ways: number, align: number, bytes: number, args: readonly number[], workspace: (i: number) => number): number[][];
}

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasmDir = (file: string) => pathToFileURL(path.resolve(here, 'packages/core/dist/kernels/wasm', file)).href;
const threadsFile = (await import(wasmDir('kernelThreads.js'))) as {
  KernelThreads: new (module: WebAssembly.Module, memory: WebAssembly.Memory, slot: number, count: number, platform: 'node') => Threads;
  SLOT_WORDS: number;
  jobCode(name: string): number;
};
const { compileKernels } = (await import(wasmDir('wasmModule.js'))) as { compileKernels(relaxed: boolean): { module: WebAssembly.Module } };
const jobs = (await import(wasmDir('splitJobs.js'))) as SplitJobs;

const { module } = compileKernels(true);
const memory = new WebAssembly.Memory({ initial: 4096, maximum: 32768, shared: true });
const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('gemmSplit: a kernel aborted'); } } });
const exports = instance.exports as unknown as { gemmF32: Kernel; gemmWorkspaceBytes(bytes: number): number };
const S = 4;
let top = 4096;
const alloc = (bytes: number): number => {
  const at = top;
  top = Math.ceil((top + bytes) / 64) * 64;
  const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  return at;
};
const workspaces = [alloc(exports.gemmWorkspaceBytes(8)), alloc(exports.gemmWorkspaceBytes(8))];
const workspace = (i: number) => workspaces[i]!;
const threads = new threadsFile.KernelThreads(module, memory, 0, 1, 'node');
const op = threadsFile.jobCode('gemmF32');

const gemms = stepGemms(cfg, form);
const shapes = operandShapes(gemms);
const addresses = new Map<string, number>();
for (const [name, [r, c]] of shapes) {
  const at = alloc(r * c * S);
  const view = new Float32Array(memory.buffer, at, r * c);
  for (let i = 0; i < view.length; i++) view[i] = ((i * 7919 + name.length * 31) % 2001) / 1000 - 1;
  addresses.set(name, at);
}

const scratchC = alloc(Math.max(...gemms.map((g) => g.m * g.n)) * S);
const ALIGN = 8;
/** Parts of one call under a policy (one part: the calling thread alone). */
function partsOf(policy: string, a: number[]): number[][] {
  const [tA = 0, tB = 0, m = 0, n = 0, k = 0, pa = 0, lda = 0, pb = 0, ldb = 0, pc = 0, ldc = 0, acc = 0] = a;
  if (policy === 'whole') return [[...a, workspace(0)]];
  if (policy === 'current') return 2 * m * n * k >= minFlops ? jobs.gemmParts(2, ALIGN, S, a, workspace) : [[...a, workspace(0)]];
  let i = 0;
  if (policy === 'cols') return jobs.cut(n, 2, ALIGN, (start, size) => [tA, tB, m, size, k, pa, lda, pb + start * (tB ? ldb : 1) * S, ldb, pc + start * S, ldc, acc, workspace(i++)]);
  if (policy === 'rows') return jobs.cut(m, 2, ALIGN, (start, size) => [tA, tB, size, n, k, pa + start * (tA ? 1 : lda) * S, lda, pb, ldb, pc + start * ldc * S, ldc, acc, workspace(i++)]);
  // the calling thread's part of a split alone, the worker idle: what a perfect split would take
  // the whole product on both threads at once (the worker's into a scratch C): how much two threads
  // running this product slow each other, whatever the split
  if (policy === 'twice') return [[...a, workspace(0)], [tA, tB, m, n, k, pa, lda, pb, ldb, scratchC, ldc, acc, workspace(1)]];
  if (policy.startsWith('alone-')) return [partsOf(policy.slice(6), a)[0]!];
  throw new Error(`gemmSplit: unknown policy ${policy}`);
}

const calls = gemms.map((g) => {
  const [lda, ldb, ldc] = leadingDims(g);
  return [g.transA ? 1 : 0, g.transB ? 1 : 0, g.m, g.n, g.k, addresses.get(g.a)!, lda, addresses.get(g.b)!, ldb, addresses.get(g.c)!, ldc, 0];
});
const plans = new Map(policies.map((p) => [p, calls.map((c) => partsOf(p, c))]));
/** times[policy][product][round] in ms. */
const times = new Map(policies.map((p) => [p, gemms.map(() => [] as number[])]));

function runStep(policy: string, record: boolean): void {
  const plan = plans.get(policy)!;
  for (let j = 0; j < plan.length; j++) {
    const parts = plan[j]!;
    const t0 = performance.now();
    if (parts.length === 1) exports.gemmF32(...parts[0]!);
    else jobs.runParts(threads, op, exports.gemmF32, parts);
    if (record) times.get(policy)![j]!.push(performance.now() - t0);
  }
}

for (const p of policies) runStep(p, false);
for (let r = 0; r < rounds; r++) for (const p of policies) runStep(p, true);
threads.terminate();

const fmt = (x: number) => x.toFixed(x < 1 ? 3 : 2);
console.log(`gemmSplit ${workload} ${form}, ${rounds} rounds, ${new Date().toISOString()}; ms per call (median), and median per-round ratio to whole`);
console.log(['product', 'm×k×n', ...policies.map((p) => `${p} ms`), ...policies.filter((p) => p !== 'whole').map((p) => `${p}/whole`)].join(' | '));
gemms.forEach((g, j) => {
  const whole = times.get('whole')?.[j];
  const ms = policies.map((p) => fmt(median(times.get(p)![j]!)));
  const ratios = whole === undefined ? [] : policies.filter((p) => p !== 'whole').map((p) => median(times.get(p)![j]!.map((t, r) => t / whole[r]!)).toFixed(3));
  console.log([g.what, `${g.transA ? 'Aᵀ' : 'A'}·${g.transB ? 'Bᵀ' : 'B'} ${g.m}×${g.k}×${g.n}`, ...ms, ...ratios].join(' | '));
});
const sums = policies.map((p) => {
  const perRound = Array.from({ length: rounds }, (_, r) => times.get(p)!.reduce((s, t) => s + t[r]!, 0));
  return `${p} ${fmt(median(perRound))}`;
});
console.log(`step (sum of its products, median over rounds): ${sums.join(', ')}`);
