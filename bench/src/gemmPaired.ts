/**
 * Two builds of the WebAssembly GEMM, timed in one process call for call: this checkout's kernels
 * against another checkout's (built), each instance on its own memory with its operands in place.
 * On a machine whose speed drifts between runs (this one's shifts by a quarter when the other vCPU's
 * core is busy), the two builds see the same conditions, so a few percent shows.
 *
 * Run: `node --experimental-wasm-relaxed-simd bench/dist/gemmPaired.js OTHER_CHECKOUT [SHAPES] [f32|f64]
 * [--cold N] [--rounds 30] [--this CHECKOUT]`. SHAPES is a comma list of `MxKxN`, with `At` or `Bt` appended for a
 * transposed A or B, or one of the presets `notebook` (the first layer's products of W1 and the large
 * one, the default) and `weight-scale` (the weight-scale section's products: hidden [50] × 7, batch
 * 50, accuracy checks of 100 rows). `--cold N` cycles A and B through N copies each (a call then
 * finds its operands in L3 or memory, as a training step does, rather than in L1/L2). `--this` times
 * another checkout's build in this one's place (to run a pair in both orders). Prints each
 * shape's median GFLOP/s for both builds, this build's gain over the other, and the median and
 * quartiles of the gains of round pairs.
 * @module
 */
/// <reference path="../../packages/core/src/kernels/wasm/webassembly.d.ts" />
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { loadGemmKernels, regionsFrom, type GemmKernels } from './gemmKernels.js';
import { median, pairedGains, signedPercent } from './sampleData.js';

const PRESETS: Record<string, string> = {
  notebook: '50x3072x100,50x3072x100At,50x3072x100Bt,3072x100x50At,500x3072x1000,500x3072x1000At,500x3072x1000Bt',
  'weight-scale': '100x3072x50,3072x50x50At,50x3072x50,100x50x50,50x50x50,50x50x50At,50x50x50Bt,100x50x10,50x50x10,50x50x10At,50x10x50Bt',
};
const args = cliArgs({
  script: 'gemmPaired',
  usage: 'node --experimental-wasm-relaxed-simd bench/dist/gemmPaired.js OTHER_CHECKOUT [SHAPES|notebook|weight-scale] [f32|f64] [--cold N] [--rounds 30] [--this CHECKOUT]',
  values: { cold: '1', rounds: '30', this: undefined },
  positionals: { required: ['OTHER_CHECKOUT'], optional: ['SHAPES', 'DTYPE'] },
});
const [other, shapeArg = 'notebook', dtype = 'f32'] = args.positionals as [string, string?, string?];
if (dtype !== 'f32' && dtype !== 'f64') throw new Error(`gemmPaired: the dtype is f32 or f64 (got ${dtype})`);
const shapeList = PRESETS[shapeArg] ?? shapeArg;
const copies = args.number('cold');
const rounds = args.number('rounds');
if (!Number.isInteger(copies) || copies < 1) throw new Error(`gemmPaired: --cold is a positive integer (got ${copies})`);
const BYTES = dtype === 'f64' ? 8 : 4;
const here = args.values.this !== undefined ? path.resolve(args.values.this) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


/** Calls of `m×k×n` on `build`, operands filled once and kept in its memory (`copies` of A and of B, used in turn). */
function product(build: { kernels: GemmKernels; memory: WebAssembly.Memory }, shape: string): { run: () => void; flops: number } {
  const transA = shape.endsWith('At') ? 1 : 0, transB = shape.endsWith('Bt') ? 1 : 0;
  const [m, k, n] = shape.replace(/At$|Bt$/, '').split('x').map(Number) as [number, number, number];
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`gemmPaired: a shape is MxKxN[At|Bt] (got ${shape})`);
  const work = 1 << 20;
  const region = regionsFrom(build.memory, work + build.kernels.gemmWorkspaceBytes(BYTES) + 4096);
  const take = (elements: number) => region(elements * BYTES);
  const as = Array.from({ length: copies }, () => take(m * k));
  const bs = Array.from({ length: copies }, () => take(k * n));
  const c = take(m * n);
  const values = BYTES === 4 ? new Float32Array(build.memory.buffer) : new Float64Array(build.memory.buffer);
  for (const a of as) for (let i = 0; i < m * k; i++) values[a / BYTES + i] = Math.sin(i);
  for (const b of bs) for (let i = 0; i < k * n; i++) values[b / BYTES + i] = Math.cos(i);
  const gemm = BYTES === 4 ? build.kernels.gemmF32 : build.kernels.gemmF64;
  let next = 0;
  return {
    run: () => {
      const i = next;
      next = (next + 1) % copies;
      gemm(transA, transB, m, n, k, as[i]!, transA ? m : k, bs[i]!, transB ? k : n, c, n, 0, work);
    },
    flops: 2 * m * n * k,
  };
}

const builds = { this: await loadGemmKernels(here, 'gemmPaired'), other: await loadGemmKernels(other, 'gemmPaired') };
console.log(`${dtype}, this checkout (${here}) against ${path.resolve(other)}; GFLOP/s, median of ${rounds} alternating rounds${copies > 1 ? `, operands cycling through ${copies} copies` : ''}`);
for (const shape of shapeList.split(',')) {
  const cases = { this: product(builds.this, shape), other: product(builds.other, shape) };
  const reps = Math.max(copies, Math.round(3e7 / cases.this.flops / copies) * copies);
  const times: Record<keyof typeof cases, number[]> = { this: [], other: [] };
  for (const c of Object.values(cases)) for (let i = 0; i < reps * 5; i++) c.run();
  for (let round = 0; round < rounds; round++) {
    for (const key of round % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) cases[key].run();
      times[key].push((performance.now() - t0) / reps);
    }
  }
  const gflops = (key: 'this' | 'other') => cases[key].flops / median(times[key]) / 1e6;
  const mine = gflops('this'), theirs = gflops('other');
  const g = pairedGains(times.this, times.other);
  console.log(`${shape}: this ${mine.toFixed(1)}, other ${theirs.toFixed(1)} (${signedPercent(mine / theirs)}; pairs ${signedPercent(g.median)}, quartiles ${signedPercent(g.lower)}, ${signedPercent(g.upper)})`);
}
