/**
 * Two builds of the WebAssembly GEMM, timed in one process call for call: this checkout's kernels
 * against another checkout's (built), each instance on its own memory with its operands in place.
 * On a machine whose speed drifts between runs (this one's shifts by a quarter when the other vCPU's
 * core is busy), the two builds see the same conditions, so a few percent shows.
 *
 * Run: `node --experimental-wasm-relaxed-simd bench/dist/gemmPaired.js OTHER_CHECKOUT [SHAPES] [f32|f64]`
 * SHAPES is a comma list of `MxKxN`, with `At` or `Bt` appended for a transposed A or B (default:
 * the notebook's products and the large one). Prints each shape's median GFLOP/s for both builds and
 * this build's gain over the other.
 * @module
 */
/// <reference path="../../packages/core/src/kernels/wasm/webassembly.d.ts" />
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './sampleData.js';

const [other, shapeList = '50x3072x100,50x3072x100At,50x3072x100Bt,3072x100x50At,500x3072x1000,500x3072x1000At,500x3072x1000Bt', dtype = 'f32'] = process.argv.slice(2);
if (other === undefined) {
  console.error('usage: node --experimental-wasm-relaxed-simd bench/dist/gemmPaired.js OTHER_CHECKOUT [SHAPES] [f32|f64]');
  process.exit(2);
}
const BYTES = dtype === 'f64' ? 8 : 4;
const GENERATED = 'packages/core/dist/kernels/wasm/binaries.generated.js';
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Kernels {
  gemmWorkspaceBytes(elementBytes: number): number;
  gemmF32(...args: number[]): void;
  gemmF64(...args: number[]): void;
}

/** The relaxed-SIMD build of a checkout's kernels, on a memory of its own. */
async function instantiate(checkout: string): Promise<{ kernels: Kernels; memory: WebAssembly.Memory }> {
  const generated = (await import(pathToFileURL(path.resolve(checkout, GENERATED)).href)) as { relaxedSimdBinary: string };
  const memory = new WebAssembly.Memory({ initial: 4096, maximum: 32768, shared: true });
  const module = new WebAssembly.Module(Buffer.from(generated.relaxedSimdBinary, 'base64'));
  const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('gemmPaired: a kernel aborted'); } } });
  return { kernels: instance.exports as unknown as Kernels, memory };
}

/** One call of `m×k×n` on `build`, operands filled once and kept in its memory. */
function product(build: { kernels: Kernels; memory: WebAssembly.Memory }, shape: string): { run: () => void; flops: number } {
  const transA = shape.endsWith('At') ? 1 : 0, transB = shape.endsWith('Bt') ? 1 : 0;
  const [m, k, n] = shape.replace(/At$|Bt$/, '').split('x').map(Number) as [number, number, number];
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`gemmPaired: a shape is MxKxN[At|Bt] (got ${shape})`);
  const work = 1 << 20;
  const a = work + build.kernels.gemmWorkspaceBytes(BYTES) + 4096, b = a + m * k * BYTES + 4096, c = b + k * n * BYTES + 4096;
  const values = BYTES === 4 ? new Float32Array(build.memory.buffer) : new Float64Array(build.memory.buffer);
  for (let i = 0; i < m * k; i++) values[a / BYTES + i] = Math.sin(i);
  for (let i = 0; i < k * n; i++) values[b / BYTES + i] = Math.cos(i);
  const gemm = BYTES === 4 ? build.kernels.gemmF32 : build.kernels.gemmF64;
  return { run: () => gemm(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n, 0, work), flops: 2 * m * n * k };
}

const builds = { this: await instantiate(here), other: await instantiate(other) };
console.log(`${dtype}, this checkout (${here}) against ${path.resolve(other)}; GFLOP/s, median of 30 alternating rounds`);
for (const shape of shapeList.split(',')) {
  const cases = { this: product(builds.this, shape), other: product(builds.other, shape) };
  const reps = Math.max(1, Math.round(3e7 / cases.this.flops));
  const times: Record<keyof typeof cases, number[]> = { this: [], other: [] };
  for (const c of Object.values(cases)) for (let i = 0; i < reps * 5; i++) c.run();
  for (let round = 0; round < 30; round++) {
    for (const key of ['this', 'other'] as const) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) cases[key].run();
      times[key].push((performance.now() - t0) / reps);
    }
  }
  const gflops = (key: 'this' | 'other') => cases[key].flops / median(times[key]) / 1e6;
  const mine = gflops('this'), theirs = gflops('other');
  console.log(`${shape}: this ${mine.toFixed(1)}, other ${theirs.toFixed(1)} (${mine >= theirs ? '+' : ''}${((mine / theirs - 1) * 100).toFixed(1)}%)`);
}
