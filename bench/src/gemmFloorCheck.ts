/**
 * Whether the GEMM floor (`gemmFloorStep.ts`, `training.ts`'s `tapegrad-wasm-gemm`) is the real
 * step's GEMM time: in one process, round for round, the real W1–W3 step (`w1Workload.ts`) with its
 * gemm calls clocked at the kernel set (as `trainingTaskProfile.ts --gemm-shapes` does), the floor
 * with every operand in the kernels' memory, and the floor with the operands the real step had in
 * plain arrays kept plain (read from the clocked step: the allocator keeps arrays under 1024
 * elements plain, and past its cap on the kernels' memory larger ones too).
 *
 * Run: `node bench/dist/gemmFloorCheck.js [--workload W1|W2|W3] [--form fcnet|sequential] [--rounds 12]
 * [--threads 0]`. Prints the medians (ms) of the real step, its gemm calls and both floors, which
 * tensors were plain, and the medians of the round pairs' ratios.
 * @module
 */
import { getKernels, manualSeed, setKernels, type KernelSet } from '@tapegrad/core';
import { cliArgs } from './cliArgs.js';
import { gemmFloorStep } from './gemmFloorStep.js';
import { median } from './sampleData.js';
import { stepGemms } from './stepGemms.js';
import { packages } from './w1Step.js';
import { TRAINING_WORKLOADS, minibatches, trainingModel, trainingStep } from './w1Workload.js';

const args = cliArgs({
  script: 'gemmFloorCheck',
  usage: 'node bench/dist/gemmFloorCheck.js [--workload W1|W2|W3] [--form fcnet|sequential] [--rounds 12] [--threads 0]',
  values: { workload: 'W2', form: 'fcnet', rounds: '12', threads: '0' },
});
const workload = args.values.workload, form = args.values.form;
if (!(workload in TRAINING_WORKLOADS)) throw new Error(`gemmFloorCheck: --workload is W1, W2 or W3 (got ${workload})`);
if (form !== 'fcnet' && form !== 'sequential') throw new Error(`gemmFloorCheck: --form is fcnet or sequential (got ${form})`);
const cfg = TRAINING_WORKLOADS[workload as keyof typeof TRAINING_WORKLOADS];
const rounds = args.number('rounds');

setKernels('wasm', { threads: args.number('threads') });
const kernels = getKernels();
manualSeed(0);
const realStep = trainingStep(trainingModel(packages, cfg, form), minibatches(packages, cfg));
for (let i = 0; i < 3; i++) realStep();

// the real step's gemm calls, clocked; the first clocked step also notes which operands were plain arrays
const gemms = stepGemms(cfg, form);
const plain = new Set<string>();
let gemmMs = 0, call = 0, noting = true;
const original = kernels.gemm;
kernels.gemm = (...a: Parameters<KernelSet['gemm']>) => {
  if (noting) {
    const g = gemms[call++ % gemms.length]!;
    for (const [name, x] of [[g.a, a[5]], [g.b, a[8]], [g.c, a[11]]] as const) if (!(x.buffer instanceof SharedArrayBuffer)) plain.add(name);
  }
  const t0 = performance.now();
  original(...a);
  gemmMs += performance.now() - t0;
};
realStep();
noting = false;
if (call !== gemms.length) throw new Error(`gemmFloorCheck: the step made ${call} gemm calls, stepGemms lists ${gemms.length}`);

const floor = gemmFloorStep(cfg, form, { kernels });
const floorAsStep = gemmFloorStep(cfg, form, { kernels, plain });
const time = (run: () => void) => {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
};
for (let i = 0; i < 3; i++) [floor, floorAsStep].forEach(time);
const t = { step: [] as number[], stepGemm: [] as number[], floor: [] as number[], floorAsStep: [] as number[] };
for (let r = 0; r < rounds; r++) {
  gemmMs = 0;
  t.step.push(time(realStep));
  t.stepGemm.push(gemmMs);
  t.floor.push(time(floor));
  t.floorAsStep.push(time(floorAsStep));
}
kernels.gemm = original;
const ms = (x: number[]) => median(x).toFixed(median(x) >= 10 ? 1 : 3);
const ratio = (x: number[], y: number[]) => median(x.map((v, i) => v / y[i]!)).toFixed(3);
console.log(`${workload} ${form}, ${kernels.threads + 1} thread(s), medians of ${rounds} rounds: real step ${ms(t.step)} ms, its gemm calls ${ms(t.stepGemm)} ms; floor ${ms(t.floor)} ms; floor with the step's plain operands (${[...plain].join(', ') || 'none'}) plain ${ms(t.floorAsStep)} ms`);
console.log(`round pairs: step's gemm calls / floor ${ratio(t.stepGemm, t.floor)}, floor with plain operands / floor ${ratio(t.floorAsStep, t.floor)}, step outside its gemm calls ${ms(t.step.map((s, i) => s - t.stepGemm[i]!))} ms`);
