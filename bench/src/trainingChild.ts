/**
 * One JavaScript implementation running one workload of `training.ts`, in its own process (so each
 * run's peak RSS is its own and one library's JIT or heap state does not slow another): tapegrad on
 * its WebAssembly or TypeScript kernels, or TensorFlow.js on its wasm or cpu backend.
 *
 * Usage: `node dist/trainingChild.js IMPL WORKLOAD BUDGET_S` (IMPL: tapegrad-wasm, tapegrad-wasm-2t,
 * tapegrad-js, tfjs-wasm, tfjs-cpu). Prints one JSON object, as `trainingPeer.py` does. TensorFlow.js
 * has no float64 workloads and no port of W4 and M3: it prints no cases for them.
 * @module
 */
import { BatchNorm2d, GroupNorm, ThreeLayerConvNet, batchNormFused } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';
import {
  fromArray, gemm, getKernels, giveBackArrays, manualSeed, ones, randint, randn, releaseGrad, releaseWithGraph, setKernels, zeros, type Tensor,
} from '@tapegrad/core';
import type * as Tf from '@tensorflow/tfjs-core';
import { filled } from './sampleData.js';
import { packages } from './w1Step.js';
import { CLASSES, INPUT, LAYERS, LR, W1, W2, minibatches, trainingModel, trainingStep, type TrainingConfig } from './w1Workload.js';

const [impl = 'tapegrad-wasm', workload = 'W1', budgetArg = '2'] = process.argv.slice(2);
const BUDGET_MS = Number(budgetArg) * 1000;

/** The training workloads: the notebook's net, 3072-(hidden×5)-10 with BatchNorm before each ReLU. */
const WORKLOADS: Record<string, TrainingConfig> = {
  W1,
  W2,
  W3: { batch: 50, hidden: 100, dtype: 'float64' },
};
/** W4: cs231n's ThreeLayerConvNet, 32 filters 7×7, hidden 100, batch 50, float32. M3: the norms at [50, 32, 16, 16]. */
const W4 = { batch: 50, filters: 32, filterSize: 7, hidden: 100 } as const;
const M3_SHAPE = [50, 32, 16, 16] as const, M3_GROUPS = 8;
const SHAPES: readonly (readonly [number, number, number])[] = [[50, 3072, 100], [500, 3072, 1000]];
const FORMS = ['A·B', 'Aᵀ·B', 'A·Bᵀ'] as const;

interface Case {
  case: string;
  /** Seconds per call. */
  times: number[];
  flops?: number;
}

/**
 * Runs `step` untimed for a third of the budget (at least once): V8 takes a few hundred W1 steps
 * to reach its speed, and the allocator's pool fills in the first ones; then times it until
 * `budget` milliseconds have passed, at least `minRuns` times.
 */
async function timed(step: () => unknown, budget: number, minRuns = 3): Promise<number[]> {
  const warmStart = performance.now();
  do await step();
  while (performance.now() - warmStart < budget / 3);
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < budget) {
    const t0 = performance.now();
    await step();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// tapegrad

function tapegradSetup(): void {
  if (impl === 'tapegrad-js') setKernels('js');
  else setKernels('wasm', { threads: impl === 'tapegrad-wasm-2t' ? 1 : 0 });
}

/**
 * W1-W3 on tapegrad (`w1Workload.ts`), both forms: the model drawn before the data, then the
 * Sequential form reseeded and stepping on the same minibatches, its cycle going on where the
 * fcnet form's left off.
 */
async function tapegradTraining(cfg: TrainingConfig): Promise<Case[]> {
  manualSeed(0);
  const fcnet = trainingModel(packages, cfg, 'fcnet');
  const data = minibatches(packages, cfg);
  const fcnetTimes = await timed(trainingStep(fcnet, data), BUDGET_MS);
  manualSeed(0);
  const sequential = trainingModel(packages, cfg, 'sequential');
  return [{ case: 'step', times: fcnetTimes }, { case: 'step, Sequential', times: await timed(trainingStep(sequential, data), BUDGET_MS) }];
}

/**
 * W4: cs231n's ThreeLayerConvNet with Adam, as the Solver steps it (loss, update, then
 * releaseGrads so the next step reuses the gradients' arrays, as PyTorch's zero_grad keeps them).
 */
async function tapegradConvTraining(): Promise<Case[]> {
  manualSeed(0);
  const model = new ThreeLayerConvNet({ numFilters: W4.filters, filterSize: W4.filterSize, hiddenDim: W4.hidden, weightScale: 1e-3 });
  const opt = new Adam(model.parameters(), { lr: LR });
  const data = Array.from({ length: 10 }, () => [randn([W4.batch, 3, 32, 32]), randint(0, CLASSES, [W4.batch])] as const);
  let i = 0;
  const step = () => {
    const [X, y] = data[i++ % data.length]!;
    const { grads } = model.loss(X, y);
    opt.step();
    model.releaseGrads(grads);
  };
  return [{ case: 'step', times: await timed(step, BUDGET_MS) }];
}

/**
 * M3: BatchNorm2d and GroupNorm (8 groups) forward + fused backward at [50, 32, 16, 16], float32,
 * train mode. x and dy come from randn, then are copied into arrays taken from the kernels' memory
 * (a second pair of cases, from when randn's arrays were plain and each call copied them in; since
 * the creation functions make float arrays in the kernels' memory, both pairs run in place and
 * differ by noise only); each step gives its dead arrays (y
 * and the gradients) back with giveBackArrays, as a training loop does (PyTorch's caching allocator
 * reuses freed blocks by itself).
 */
async function tapegradNorms2d(): Promise<Case[]> {
  manualSeed(0);
  const plain = { x: randn([...M3_SHAPE], { requiresGrad: true }), dy: randn([...M3_SHAPE]) };
  /** A copy of t in the kernels' memory, where a preceding layer's output will be once every tensor lives there. */
  const inKernels = (t: Tensor): Tensor => {
    const values = getKernels().allocate('float32', t.size);
    values.set(t.data.data as Float32Array);
    return fromArray(values, t.shape);
  };
  const kernel = { x: inKernels(plain.x), dy: inKernels(plain.dy) };
  kernel.x.requiresGrad = true;
  const cases: Case[] = [];
  const layers = [['BatchNorm2d', () => new BatchNorm2d(M3_SHAPE[1])], ['GroupNorm', () => new GroupNorm(M3_GROUPS, M3_SHAPE[1])]] as const;
  for (const [inputs, suffix] of [[plain, ''], [kernel, ' (x, dy in kernel memory)']] as const) for (const [name, make] of layers) {
    const { x, dy } = inputs;
    const layer = make();
    const step = () => {
      x.grad = null;
      layer.zeroGrad();
      const y = layer.forward(x);
      y.backward(dy);
      giveBackArrays([y, x.grad!, ...layer.parameters().map((p) => p.grad!)]);
    };
    cases.push({ case: name + suffix, times: await timed(step, BUDGET_MS / 4) });
  }
  return cases;
}

/** GEMM on plain typed arrays (for the WebAssembly kernels: copies into their memory and back included). */
async function tapegradGemm(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [m, k, n] of SHAPES) {
      for (const form of FORMS) {
        const transA = form === 'Aᵀ·B', transB = form === 'A·Bᵀ';
        const a = filled(dtype, m * k, 1), b = filled(dtype, k * n, 2), c = filled(dtype, m * n, 3);
        const run = () => gemm(transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, c, 0, n, false);
        cases.push({ case: `${dtype} ${m}×${k}×${n} ${form}`, times: await timed(run, BUDGET_MS / 12), flops: 2 * m * n * k });
      }
    }
  }
  return cases;
}

/** BatchNorm forward and fused backward at the notebook's 100 × 500, float64. */
async function tapegradBatchNorm(): Promise<Case[]> {
  manualSeed(0);
  const x = randn([100, 500], { dtype: 'float64', requiresGrad: true });
  const gamma = ones([500], { dtype: 'float64', requiresGrad: true }), beta = zeros([500], { dtype: 'float64', requiresGrad: true });
  const dy = randn([100, 500], { dtype: 'float64' });
  const step = () => {
    // PyTorch's `x.grad = None` and a dropped output: their arrays go back for the next call to reuse
    for (const t of [x, gamma, beta]) releaseGrad(t);
    releaseWithGraph(batchNormFused(x, gamma, beta)).backward(dy);
  };
  return [{ case: 'forward+backward', times: await timed(step, BUDGET_MS) }];
}

// ---------------------------------------------------------------------------------------------
// TensorFlow.js (float32 only: it has no float64)

async function tfjsSetup(): Promise<typeof Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core's Node bundle registers no gradients: the umbrella package's does (its own tfjs-core is this one)
  await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-cpu');
  if (impl === 'tfjs-wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
    await tf.setBackend('wasm');
  } else {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf;
}

async function tfjsTraining(tf: typeof Tf, cfg: { batch: number; hidden: number; dtype: 'float32' | 'float64' }): Promise<Case[]> {
  const dims = [INPUT, ...new Array<number>(LAYERS).fill(cfg.hidden), CLASSES];
  const vars: Tf.Variable[] = [];
  const layers = dims.slice(1).map((out, l) => {
    const W = tf.variable(tf.randomNormal([dims[l]!, out], 0, Math.sqrt(2 / dims[l]!)));
    const b = tf.variable(tf.zeros([out]));
    vars.push(W, b);
    if (l === LAYERS) return { W, b };
    const gamma = tf.variable(tf.ones([out])), beta = tf.variable(tf.zeros([out]));
    vars.push(gamma, beta);
    return { W, b, gamma, beta };
  });
  const opt = tf.train.adam(LR);
  const data = Array.from({ length: 10 }, () => [tf.randomNormal([cfg.batch, INPUT]), tf.oneHot(tf.randomUniform([cfg.batch], 0, CLASSES, 'int32') as Tf.Tensor1D, CLASSES)] as const);
  let i = 0;
  const step = () => {
    const [X, y] = data[i++ % data.length]!;
    const loss = opt.minimize(() => {
      let h: Tf.Tensor2D = X as Tf.Tensor2D;
      for (const { W, b, gamma, beta } of layers) {
        h = tf.add(tf.matMul(h, W), b) as Tf.Tensor2D;
        if (gamma === undefined || beta === undefined) break;
        const { mean, variance } = tf.moments(h, 0);
        h = tf.relu(tf.batchNorm(h, mean, variance, beta, gamma, 1e-5)) as Tf.Tensor2D;
      }
      return tf.losses.softmaxCrossEntropy(y, h);
    }, true, vars);
    loss?.dataSync();
    loss?.dispose();
  };
  return [{ case: 'step', times: await timed(step, BUDGET_MS) }];
}

async function tfjsGemm(tf: typeof Tf): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [m, k, n] of SHAPES) {
    for (const form of FORMS) {
      const transA = form === 'Aᵀ·B', transB = form === 'A·Bᵀ';
      const a = tf.tensor2d(filled('float32', m * k, 1) as Float32Array, transA ? [k, m] : [m, k]);
      const b = tf.tensor2d(filled('float32', k * n, 2) as Float32Array, transB ? [n, k] : [k, n]);
      const run = () => tf.tidy(() => tf.matMul(a, b, transA, transB).dataSync());
      cases.push({ case: `float32 ${m}×${k}×${n} ${form}`, times: await timed(run, BUDGET_MS / 6), flops: 2 * m * n * k });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let cases: Case[];
  let version = '';
  const training = WORKLOADS[workload];
  if (impl.startsWith('tapegrad')) {
    tapegradSetup();
    if (training !== undefined) cases = await tapegradTraining(training);
    else if (workload === 'W4') cases = await tapegradConvTraining();
    else if (workload === 'M2') cases = await tapegradGemm();
    else if (workload === 'M1') cases = await tapegradBatchNorm();
    else if (workload === 'M3') cases = await tapegradNorms2d();
    else throw new Error(`unknown workload ${workload}`);
  } else {
    const tf = await tfjsSetup();
    version = tf.version_core;
    if (training !== undefined && training.dtype === 'float32') cases = await tfjsTraining(tf, training);
    else if (workload === 'M2') cases = await tfjsGemm(tf);
    else cases = []; // float64 workloads (TensorFlow.js has no float64), and W4, M3 (not ported)
  }
  const metric = training !== undefined || workload === 'W4' ? 'steps_per_s' : workload === 'M2' ? 'gflops' : 'us';
  const rssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ impl, workload, metric, cases, rss_kb: rssKb, version })}\n`);
}

await main();
