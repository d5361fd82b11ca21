/**
 * A step's matrix products (`stepGemms.ts`) on two builds of the WebAssembly GEMM, each product
 * timed on its own, paired call for call in one process: the place to see which of W1's or W3's
 * products a kernel change moves. Each build runs on its own memory with one array per named
 * tensor, the minibatch `h0` cycling through `MINIBATCHES` arrays as the step's does, and the
 * products called in the step's order, so each finds its operands where the products before it
 * left them (not where Adam and the rest of a real step would: `gemmFloorCheck.ts` checks that).
 *
 * Run: `node --experimental-wasm-relaxed-simd bench/dist/gemmStepPaired.js OTHER_CHECKOUT
 * [--workload W1|W3] [--form fcnet|sequential] [--rounds 40] [--this CHECKOUT]`. A round runs a
 * whole step of products on one build and then on the other (the first build alternating), each
 * product clocked alone. Prints per product the median µs of both builds and the median and
 * quartiles of this build's per-round gains, then the same for the products' sum.
 * @module
 */
/// <reference path="../../packages/core/src/kernels/wasm/webassembly.d.ts" />
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { loadGemmKernels, regionsFrom } from './gemmKernels.js';
import { formatGains, median, pairedGains } from './sampleData.js';
import { MINIBATCHES, leadingDims, operandShapes, stepGemms, type WeightLayout } from './stepGemms.js';
import { TRAINING_WORKLOADS } from './w1Workload.js';

const args = cliArgs({
  script: 'gemmStepPaired',
  usage: 'node --experimental-wasm-relaxed-simd bench/dist/gemmStepPaired.js OTHER_CHECKOUT [--workload W1|W3] [--form fcnet|sequential] [--rounds 40] [--this CHECKOUT]',
  values: { workload: 'W3', form: 'fcnet', rounds: '40', this: undefined },
  positionals: { required: ['OTHER_CHECKOUT'] },
});
const workload = args.values.workload;
if (workload !== 'W1' && workload !== 'W3') throw new Error(`gemmStepPaired: --workload is W1 or W3 (got ${workload})`);
const form = args.values.form;
if (form !== 'fcnet' && form !== 'sequential') throw new Error(`gemmStepPaired: --form is fcnet or sequential (got ${form})`);
const rounds = args.number('rounds');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`gemmStepPaired: --rounds is a positive integer (got ${rounds})`);
const cfg = TRAINING_WORKLOADS[workload];
const BYTES = cfg.dtype === 'float64' ? 8 : 4;
const here = args.values.this !== undefined ? path.resolve(args.values.this) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const other = path.resolve(args.positionals[0]!);

const gemms = stepGemms(cfg, form as WeightLayout);
const shapes = operandShapes(gemms);

/** A checkout's relaxed-SIMD kernels on a memory of their own, with the step's tensors in it: one function per product. */
async function build(checkout: string): Promise<Array<(round: number) => void>> {
  const { kernels, memory } = await loadGemmKernels(checkout, 'gemmStepPaired');
  const work = 1 << 20;
  const region = regionsFrom(memory, work + kernels.gemmWorkspaceBytes(BYTES) + 4096);
  const addresses = new Map<string, number[]>();
  for (const [name, [rows, cols]] of shapes) {
    addresses.set(name, Array.from({ length: name === 'h0' ? MINIBATCHES : 1 }, () => {
      const at = region(rows * cols * BYTES);
      const values = BYTES === 4 ? new Float32Array(memory.buffer, at, rows * cols) : new Float64Array(memory.buffer, at, rows * cols);
      for (let i = 0; i < values.length; i++) values[i] = Math.sin(i + at);
      return at;
    }));
  }
  const gemm = BYTES === 4 ? kernels.gemmF32 : kernels.gemmF64;
  const at = (name: string, round: number) => { const list = addresses.get(name)!; return list[round % list.length]!; };
  return gemms.map((g) => {
    const [lda, ldb, ldc] = leadingDims(g);
    return (round: number) => gemm(g.transA ? 1 : 0, g.transB ? 1 : 0, g.m, g.n, g.k, at(g.a, round), lda, at(g.b, round), ldb, at(g.c, round), ldc, 0, work);
  });
}

const builds = { this: await build(here), other: await build(other) };
const times = { this: gemms.map(() => [] as number[]), other: gemms.map(() => [] as number[]) };
const warmup = 20;
for (let round = 0; round < rounds + warmup; round++) {
  for (const key of round % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
    const products = builds[key];
    for (let p = 0; p < products.length; p++) {
      const t0 = performance.now();
      products[p]!(round);
      if (round >= warmup) times[key][p]!.push(performance.now() - t0);
    }
  }
}
console.log(`${workload} ${form} (${cfg.dtype}), this ${here} against ${other}; ${rounds} rounds; µs (GFLOP/s), this build's gain`);
for (let p = 0; p < gemms.length; p++) {
  const g = gemms[p]!;
  const flops = 2 * g.m * g.n * g.k;
  const [mine, theirs] = [median(times.this[p]!), median(times.other[p]!)];
  const shape = `${g.m}x${g.k}x${g.n}${g.transA ? 'At' : ''}${g.transB ? 'Bt' : ''}`;
  console.log(`${g.what.padEnd(10)} ${shape.padEnd(16)} this ${(mine * 1e3).toFixed(1)} (${(flops / mine / 1e6).toFixed(1)}), other ${(theirs * 1e3).toFixed(1)} (${(flops / theirs / 1e6).toFixed(1)}): ${formatGains(pairedGains(times.this[p]!, times.other[p]!))}`);
}
const sums = (key: 'this' | 'other') => times[key][0]!.map((_, r) => times[key].reduce((s, list) => s + list[r]!, 0));
const [sumThis, sumOther] = [sums('this'), sums('other')];
console.log(`all ${gemms.length} products: this ${(median(sumThis) * 1e3).toFixed(0)} µs, other ${(median(sumOther) * 1e3).toFixed(0)} µs: ${formatGains(pairedGains(sumThis, sumOther))}`);
