/**
 * Where the notebook's trainings spend their time, on this checkout, one thread: runs some of a
 * section's planned tasks (`notebookTasks.ts`; by default two of weight-scale's) once to warm up, then
 * again measured, and prints
 *
 * - with `--gemm-shapes`, every GEMM shape the run asked for (op form, m×k×n) with its calls, time,
 *   µs per call and GFLOP/s, and its share of the measured run (the kernel set's `gemm` wrapped with a
 *   clock: the call glue is inside the figure, the matmul op's JavaScript outside it);
 * - with `--cpu-profile FILE`, a CPU profile of the measured run (for `cpuProfileSummary.js`, which
 *   sums self time by kind of work), and here the inclusive time of the functions that cover the
 *   most of it (a function counted once per sample however deep it recurs).
 *
 * Run: `node bench/dist/trainingTaskProfile.js [--section weight-scale] [--keys
 * ws-11-batchnorm,ws-11-baseline|all] [--epochs N|section] [--gemm-shapes] [--cpu-profile FILE]
 * [--top 40] [--data DIR]`. Without either option it prints the measured run's time.
 * @module
 */
import { cliArgs } from './cliArgs.js';
import { startCpuProfile } from './cpuProfiler.js';
import { loadNotebookBuild, notebookTasks } from './notebookTasks.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = cliArgs({
  script: 'trainingTaskProfile',
  usage: 'node bench/dist/trainingTaskProfile.js [--section weight-scale] [--keys ws-11-batchnorm,ws-11-baseline|all] [--epochs N|section] [--gemm-shapes] [--cpu-profile FILE] [--top 40] [--data DIR]',
  values: { section: 'weight-scale', keys: 'ws-11-batchnorm,ws-11-baseline', epochs: 'section', 'cpu-profile': undefined, top: '40', data: '/work/shared/data/cifar10-subset' },
  flags: ['gemm-shapes'],
});
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = await loadNotebookBuild(here);
const kernels = build.core.setKernels('wasm', { threads: 0 });
const epochs = args.values.epochs === 'section' ? null : args.number('epochs');
const { arrays, tasks } = await notebookTasks(build, { section: args.values.section, keys: args.values.keys, epochs, dataDir: args.values.data });

async function runAll(): Promise<void> {
  for (const task of tasks) {
    for (const r of await build.training.runTrainingTask(task, arrays)) {
      if (r.error !== null) throw new Error(`trainingTaskProfile: ${r.key} stopped (${r.error})`);
    }
  }
}

await runAll(); // warm-up

interface ShapeStats { calls: number; ms: number; flops: number }
const shapes = new Map<string, ShapeStats>();
const original = kernels.gemm;
if (args.flags['gemm-shapes']) {
  kernels.gemm = (transA, transB, m, n, k, ...rest) => {
    const t0 = performance.now();
    original(transA, transB, m, n, k, ...rest);
    const ms = performance.now() - t0;
    const key = `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${m}×${k}×${n}`;
    const s = shapes.get(key) ?? { calls: 0, ms: 0, flops: 0 };
    s.calls++;
    s.ms += ms;
    s.flops += 2 * m * n * k;
    shapes.set(key, s);
  };
}

const cpuProfile = args.values['cpu-profile'];
const profiling = cpuProfile === undefined ? null : await startCpuProfile(200);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await runAll();
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
kernels.gemm = original;
console.log(`${tasks.map((t) => t.runs.map((r) => r.key).join('+')).join(', ')}, ${epochs ?? 'the section\'s'} epochs: ${(wall / 1000).toFixed(3)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s CPU`);

if (shapes.size > 0) {
  const gemmMs = [...shapes.values()].reduce((s, x) => s + x.ms, 0);
  console.log(`\nGEMM: ${gemmMs.toFixed(0)} ms, ${((100 * gemmMs) / wall).toFixed(1)}% of the wall time`);
  console.log('form and m×k×n            calls      ms   µs/call  GFLOP/s  share');
  for (const [key, s] of [...shapes].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${key.padEnd(24)} ${String(s.calls).padStart(6)} ${s.ms.toFixed(0).padStart(7)} ${((1000 * s.ms) / s.calls).toFixed(1).padStart(9)} ${(s.flops / s.ms / 1e6).toFixed(1).padStart(8)} ${((100 * s.ms) / wall).toFixed(1).padStart(5)}%`);
  }
}

if (profiling !== null && cpuProfile !== undefined) {
  const profile = await profiling.stop(cpuProfile);
  // inclusive time per function: each sample counts once for every distinct function on its stack
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|examples)\//, '')}:${lineNumber + 1}`;
  };
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples!.forEach((id, i) => {
    const dt = profile.timeDeltas![i] ?? 0;
    total += dt;
    const seen = new Set<string>();
    for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) seen.add(nameOf(q));
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  });
  console.log(`\ninclusive time (of ${(total / 1000).toFixed(0)} ms sampled), top ${args.values.top}:`);
  for (const [name, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, args.number('top'))) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}
