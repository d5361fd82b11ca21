/**
 * The benchmark of issue 7: tapegrad, PyTorch, numpy and TensorFlow.js side by side, in one run.
 *
 * Workloads (W: training steps per second of the notebook's net, 3072-(hidden×5)-10 with BatchNorm
 * before each ReLU, softmax loss, Adam 1e-3; M: kernels):
 * - W1: hidden 100, batch 50, float32.  W2: hidden 1000, batch 500, float32.  W3: W1 in float64.
 * - M1: BatchNorm forward + fused backward at 100×500, float64 (µs).
 * - M2: GEMM 50×3072×100 and 500×3072×1000 (m×k×n), A·B, Aᵀ·B, A·Bᵀ, float32 and float64 (GFLOP/s,
 *   on plain typed arrays: copies into the WebAssembly memory and back included). The WebAssembly
 *   FMA ceiling (`fmaPeak.ts`) is measured before and after, so the products can be read as a share
 *   of what the machine gave in the same run (this machine's moves by up to a quarter).
 * - W4: cs231n's ThreeLayerConvNet (conv 32 filters 7×7 'same' - relu - 2×2 max pool - affine 100 -
 *   relu - affine 10, softmax loss), Adam 1e-3, batch 50 of 3×32×32, float32 (training steps/s);
 *   tapegrad, torch-1t and a cs231n-style numpy port with im2col.
 * - M3: BatchNorm2d and GroupNorm (8 groups) forward + fused backward at [50, 32, 16, 16], float32,
 *   train mode (µs); tapegrad and torch-1t.
 *
 * Implementations: tapegrad-wasm (one thread), tapegrad-wasm-2t (GEMM split over two threads),
 * tapegrad-js, torch-1t and numpy-1t (Debian's /usr/bin/python3, one thread, OpenBLAS), tfjs-wasm
 * (one thread) and tfjs-cpu; and for W1 and W2 the GEMM floor, each step's matrix products alone
 * (`stepGemms.ts`: the same shapes, transposes, dtype and operands in place as the real step):
 * tapegrad-wasm-gemm, tapegrad-wasm-2t-gemm, torch-1t-gemm and numpy-1t-gemm, in steps/s, each set
 * against the peers' whole step by issue 18's goals (`gemmFloor.ts`). Each (workload, implementation) runs in its own process
 * (`trainingChild.ts`, `trainingPeer.py`) for a time budget, `rounds` times in round-robin so a burst
 * of load from other processes spreads over all of them; a figure is the median over every timed call
 * of all rounds. Peak RSS is the largest of its runs.
 *
 * Usage: `node bench/dist/training.js [--only W1,M2] [--impls tapegrad-wasm,torch-1t] [--json FILE]
 * [--budget SECONDS] [--rounds N]` (defaults: everything, 2 s per run, 2 rounds). `--json FILE`
 * writes one JSON object per line: `{workload, impl, metric, value}` (plus `case` for M2).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cliArgs } from './cliArgs.js';
import { FLOOR_GOALS, floorVerdict } from './gemmFloor.js';
import { median } from './sampleData.js';
import { gemmFlops, stepGemms, type WeightLayout } from './stepGemms.js';
import { TRAINING_WORKLOADS } from './w1Workload.js';

const IMPLS = [
  'tapegrad-wasm', 'tapegrad-wasm-2t', 'tapegrad-js', 'torch-1t', 'numpy-1t', 'tfjs-wasm', 'tfjs-cpu',
  'tapegrad-wasm-gemm', 'tapegrad-wasm-2t-gemm', 'torch-1t-gemm', 'numpy-1t-gemm',
] as const;
const WORKLOADS = ['W1', 'W2', 'W3', 'M1', 'M2', 'W4', 'M3'] as const;
/** Budget multiplier per workload (W2 steps take a large part of a second, W4 steps a tenth). */
const BUDGET_SCALE: Record<string, number> = { W1: 1, W2: 3, W3: 1, M1: 0.5, M2: 3, W4: 3, M3: 1 };
/** The implementations that have a workload, where not all do (a child started for nothing costs seconds). */
const WORKLOAD_IMPLS: Record<string, readonly string[]> = {
  W4: ['tapegrad-wasm', 'tapegrad-wasm-2t', 'tapegrad-js', 'torch-1t', 'numpy-1t'],
  M3: ['tapegrad-wasm', 'tapegrad-wasm-2t', 'tapegrad-js', 'torch-1t'],
};
/** The workloads of the GEMM-only implementations (`-gemm`): those that issue 18's goals are set on. */
const GEMM_WORKLOADS: readonly string[] = ['W1', 'W2'];
/**
 * Which products each Python peer's step makes: numpy's port keeps cs231n's W [in, out] (h @ W, h.T @ da,
 * da @ W.T), torch.nn.Linear PyTorch's [out, in] (x @ W.T, dy.T @ x, dy @ W).
 */
const PEER_LAYOUT: Record<string, WeightLayout> = { 'numpy-1t-gemm': 'fcnet', 'torch-1t-gemm': 'sequential' };
const PYTHON = '/usr/bin/python3';

interface ChildResult {
  impl: string;
  workload: string;
  metric: 'steps_per_s' | 'gflops' | 'us';
  cases: { case: string; times: number[]; flops?: number }[];
  rss_kb: number;
  version: string;
}

const args = cliArgs({
  script: 'training',
  usage: 'node bench/dist/training.js [--only W1,M2] [--impls tapegrad-wasm,torch-1t] [--json FILE] [--budget SECONDS] [--rounds N]',
  values: { only: undefined, impls: undefined, json: undefined, budget: '2', rounds: '2' },
});
const only = args.values.only?.split(',') ?? [...WORKLOADS];
const impls = args.values.impls?.split(',') ?? [...IMPLS];
for (const impl of impls) {
  if (!(IMPLS as readonly string[]).includes(impl)) throw new Error(`training bench: unknown implementation ${impl} (known: ${IMPLS.join(', ')})`);
}
const jsonFile = args.values.json;
const budget = args.number('budget');
const rounds = args.number('rounds');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The WebAssembly FMA ceiling now (`fmaPeak.ts` in a child), GFLOP/s; undefined (with a note) on failure. */
function fmaPeak(): { f32: number; f64: number } | undefined {
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', here('./fmaPeak.js'), '5', '--json'], { encoding: 'utf8' });
  if (child.status !== 0) {
    console.error(`(FMA peak skipped: ${child.error?.message ?? child.stderr.trim().split('\n').slice(-3).join(' | ')})`);
    return undefined;
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { f32: number; f64: number };
}

/** A Python GEMM-only peer's fourth argument: its step's products as JSON (none for the other peers). */
function peerGemms(impl: string, workload: string): string[] {
  const layout = PEER_LAYOUT[impl], cfg = TRAINING_WORKLOADS[workload as keyof typeof TRAINING_WORKLOADS];
  return layout === undefined || cfg === undefined ? [] : [JSON.stringify(stepGemms(cfg, layout))];
}

/** Runs one implementation on one workload in a child process; undefined (with a note) on failure. */
function runChild(impl: string, workload: string, seconds: number): ChildResult | undefined {
  const python = impl.startsWith('torch-1t') || impl.startsWith('numpy-1t');
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  // the dev machine presets these; they halve OpenBLAS here, so the peers run without them
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const [command, args] = python
    ? [PYTHON, [here('../src/trainingPeer.py'), impl, workload, String(seconds), ...peerGemms(impl, workload)]]
    : [process.execPath, [here('./trainingChild.js'), impl, workload, String(seconds)]];
  const child = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (child.status !== 0) {
    const why = child.error?.message ?? child.stderr.trim().split('\n').slice(-3).join(' | ');
    console.error(`(${impl} ${workload} skipped: ${why})`);
    return undefined;
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as ChildResult;
}

interface Row {
  workload: string;
  impl: string;
  case: string;
  metric: ChildResult['metric'];
  value: number;
  calls: number;
  rssMb: number;
}

function value(metric: ChildResult['metric'], seconds: number, flops: number | undefined): number {
  if (metric === 'steps_per_s') return 1 / seconds;
  if (metric === 'gflops') return flops! / seconds / 1e9;
  return seconds * 1e6;
}

const unit = { steps_per_s: 'steps/s', gflops: 'GFLOP/s', us: 'µs' } as const;

console.log(`# tapegrad vs peers, ${new Date().toISOString().slice(0, 10)}`);
console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs, node ${process.version}; budget ${budget} s per run, ${rounds} rounds`);
if (jsonFile) writeFileSync(jsonFile, '');
const versions = new Map<string, string>();

for (const workload of only) {
  if (!(WORKLOADS as readonly string[]).includes(workload)) throw new Error(`training bench: unknown workload ${workload} (known: ${WORKLOADS.join(', ')})`);
  const loadBefore = os.loadavg()[0]!;
  const peakBefore = workload === 'M2' ? fmaPeak() : undefined;
  const times = new Map<string, { metric: ChildResult['metric']; times: number[]; flops?: number; rss: number }>();
  for (let round = 0; round < rounds; round++) {
    for (const impl of impls) {
      if (WORKLOAD_IMPLS[workload] !== undefined && !WORKLOAD_IMPLS[workload].includes(impl)) continue;
      if (impl.endsWith('-gemm') && !GEMM_WORKLOADS.includes(workload)) continue;
      const result = runChild(impl, workload, budget * (BUDGET_SCALE[workload] ?? 1));
      if (result === undefined) continue;
      if (result.version) versions.set(impl, result.version);
      for (const c of result.cases) {
        const key = `${impl}\u0000${c.case}`;
        const entry = times.get(key) ?? { metric: result.metric, times: [], flops: c.flops, rss: 0 };
        entry.times.push(...c.times);
        entry.rss = Math.max(entry.rss, result.rss_kb);
        times.set(key, entry);
      }
    }
  }
  const peakAfter = workload === 'M2' ? fmaPeak() : undefined;
  const loadAfter = os.loadavg()[0]!;
  const rows: Row[] = [...times].map(([key, e]) => {
    const [impl, name] = key.split('\u0000') as [string, string];
    return { workload, impl, case: name, metric: e.metric, value: value(e.metric, median(e.times), e.flops), calls: e.times.length, rssMb: e.rss / 1024 };
  });
  const metric = rows[0]?.metric ?? 'steps_per_s';
  const higherIsBetter = metric !== 'us';
  console.log(`\n## ${workload} (${unit[metric]}, ${higherIsBetter ? 'higher' : 'lower'} is better; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)\n`);
  const cases = [...new Set(rows.map((r) => r.case))];
  const present = impls.filter((i) => rows.some((r) => r.impl === i));
  // the ratio column sets the whole step against the peers' whole step; the GEMM floor has its own lines below
  const peers = present.filter((i) => !i.startsWith('tapegrad') && !i.endsWith('-gemm'));
  console.log(`| case | ${present.join(' | ')} | tapegrad-wasm vs ${peers.join(', ')} |`);
  console.log(`|---|${present.map(() => '---:').join('|')}|---|`);
  for (const name of cases) {
    const cells = present.map((impl) => rows.find((r) => r.impl === impl && r.case === name));
    const ours = rows.find((r) => r.impl === 'tapegrad-wasm' && r.case === name)?.value;
    const ratios = peers.map((impl) => {
      // the peers time one training step: tapegrad's PyTorch-style row ('step, Sequential') is set against it too
      const theirs = (rows.find((r) => r.impl === impl && r.case === name) ?? rows.find((r) => r.impl === impl && r.case === name.split(',')[0]))?.value;
      if (ours === undefined || theirs === undefined) return 'n/a';
      return `${(higherIsBetter ? ours / theirs : theirs / ours).toFixed(2)}×`;
    });
    const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
    console.log(`| ${name} | ${cells.map((c) => (c === undefined ? 'n/a' : fmt(c.value))).join(' | ')} | ${ratios.join(', ')} |`);
  }
  const rss = present.map((impl) => `${impl} ${Math.max(...rows.filter((r) => r.impl === impl).map((r) => r.rssMb)).toFixed(0)}`);
  const calls = present.map((impl) => `${impl} ${rows.filter((r) => r.impl === impl).reduce((s, r) => s + r.calls, 0)}`);
  console.log(`\npeak RSS (MB): ${rss.join(', ')}\ntimed calls: ${calls.join(', ')}`);
  const floor = FLOOR_GOALS.filter((g) => g.workload === workload).map((g) => {
    const stepOf = (impl: string) => rows.find((r) => r.impl === impl && r.case === 'step')?.value;
    const cfg = TRAINING_WORKLOADS[workload as keyof typeof TRAINING_WORKLOADS];
    return floorVerdict(g, rows.filter((r) => r.impl === g.ours), stepOf(g.peer), stepOf(`${g.peer}-gemm`), gemmFlops(stepGemms(cfg, 'fcnet')));
  }).filter((line) => line !== undefined);
  if (floor.length > 0) console.log(`\nGEMM floor (issue 18): the step's matrix products alone against the peer's whole step\n${floor.map((l) => `- ${l}`).join('\n')}`);
  if (peakBefore !== undefined && peakAfter !== undefined) {
    const share = (dtype: 'float32' | 'float64', peak: number) => {
      const ours = rows.filter((r) => r.impl === 'tapegrad-wasm' && r.case.startsWith(`${dtype} 500×`)).map((r) => r.value);
      return ours.length === 0 ? '' : ` (tapegrad-wasm's 500×3072×1000 forms: ${ours.map((v) => `${((v / peak) * 100).toFixed(0)}%`).join(', ')} of the mean)`;
    };
    const mean = (k: 'f32' | 'f64') => (peakBefore[k] + peakAfter[k]) / 2;
    console.log(`WebAssembly FMA peak (fmaPeak.ts) before / after: float32 ${peakBefore.f32.toFixed(1)} / ${peakAfter.f32.toFixed(1)}${share('float32', mean('f32'))}, float64 ${peakBefore.f64.toFixed(1)} / ${peakAfter.f64.toFixed(1)}${share('float64', mean('f64'))}`);
    if (jsonFile) {
      for (const [when, p] of [['before', peakBefore], ['after', peakAfter]] as const) {
        for (const [k, dtype] of [['f32', 'float32'], ['f64', 'float64']] as const) {
          appendFileSync(jsonFile, `${JSON.stringify({ workload, impl: 'wasm-fma-peak', metric: 'gflops', value: p[k], case: `${dtype} ${when}` })}\n`);
        }
      }
    }
  }
  if (jsonFile) {
    for (const r of rows) {
      const line: Record<string, unknown> = { workload: r.workload, impl: r.impl, metric: r.metric, value: r.value };
      // the case, where a workload has several (M2's products, M3's norms)
      if (r.case !== 'step' && r.case !== 'forward+backward') line.case = r.case;
      appendFileSync(jsonFile, `${JSON.stringify(line)}\n`);
    }
  }
}
console.log(`\nversions: ${[...versions].map(([i, v]) => `${i} ${v}`).join(', ')}`);
