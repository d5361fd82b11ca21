/**
 * The ceiling for a WebAssembly GEMM on this machine: GFLOP/s of a loop that does nothing but
 * 128-bit fused multiply-adds on 12 independent accumulators (the micro-kernel's tile, without its
 * loads), compiled with AssemblyScript as the kernels are. A GEMM's GFLOP/s divided by this is the
 * share of the machine's FMA throughput it gets.
 *
 * Run: `node --experimental-wasm-relaxed-simd bench/dist/fmaPeak.js [rounds] [--json]` (default 9
 * rounds). With `--json` the last line is `{"f32": median, "f64": median}` (GFLOP/s), which
 * `training.ts` reads to put M2's products beside the ceiling of the same run.
 * @module
 */
/// <reference path="../../packages/core/src/kernels/wasm/webassembly.d.ts" />
import { cliArgs } from './cliArgs.js';
import { median } from './sampleData.js';

/** The part of AssemblyScript's compiler API used here (its own type declarations redeclare globals). */
interface Asc {
  compileString(source: string, options: Record<string, unknown>): Promise<{ binary: Uint8Array | null; stderr: { toString(): string } }>;
}
const asc = ((await import('assemblyscript/asc' as string)) as { default: Asc }).default;
const args = cliArgs({
  script: 'fmaPeak',
  usage: 'node --experimental-wasm-relaxed-simd bench/dist/fmaPeak.js [rounds] [--json]',
  values: {},
  flags: ['json'],
  positionals: { optional: ['rounds'] },
});
const roundsArg = args.positionals[0] ?? '9';
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`fmaPeak: rounds must be a positive integer (got ${roundsArg})`);
const json = args.flags.json;

/** AssemblyScript: `iters` steps of 12 independent relaxed FMAs on vectors of `T`. */
function source(T: 'f32' | 'f64'): string {
  const accs = Array.from({ length: 12 }, (_, i) => `a${i}`);
  return `
export function peak(iters: i32, seed: ${T}): ${T} {
  ${accs.map((a, i) => `let ${a} = v128.splat<${T}>(seed + ${i});`).join(' ')}
  const x = v128.splat<${T}>(0.999), y = v128.splat<${T}>(0.0001);
  for (let i = 0; i < iters; i++) {
    ${accs.map((a) => `${a} = v128.relaxed_madd<${T}>(${a}, x, y);`).join(' ')}
  }
  let s = a0;
  ${accs.slice(1).map((a) => `s = v128.add<${T}>(s, ${a});`).join(' ')}
  return v128.extract_lane<${T}>(s, 0);
}`;
}

async function compile(T: 'f32' | 'f64'): Promise<(iters: number, seed: number) => number> {
  const { binary, stderr } = await asc.compileString(source(T), { optimizeLevel: 3, runtime: 'stub', enable: ['relaxed-simd'] });
  if (binary === null) throw new Error(`fmaPeak: the ${T} build failed: ${stderr.toString()}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { abort: () => { throw new Error('fmaPeak: aborted'); } } });
  return instance.exports.peak as (iters: number, seed: number) => number;
}

const ITERS = 2e7;
const medians: Record<string, number> = {};
for (const T of ['f32', 'f64'] as const) {
  const peak = await compile(T);
  const lanes = T === 'f32' ? 4 : 2;
  // a call runs in the code it started in: warm up until the optimized code is in
  for (let i = 0; i < 20; i++) peak(1e5, 1);
  await new Promise((resolve) => setTimeout(resolve, 300)); // tier-up compiles in the background
  const gflops: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    peak(ITERS, 1);
    gflops.push((ITERS * 12 * lanes * 2) / ((performance.now() - t0) / 1000) / 1e9);
  }
  medians[T] = median(gflops);
  console.log(`${T}x${lanes} FMA peak: median ${median(gflops).toFixed(1)} GFLOP/s (min ${Math.min(...gflops).toFixed(1)}, max ${Math.max(...gflops).toFixed(1)}, ${rounds} rounds)`);
}
if (json) console.log(JSON.stringify(medians));
