/**
 * Soak: the BatchNormalization notebook's net (FullyConnectedNet, hidden [100] × 5, batchnorm,
 * weight scale 2e-2, float32) trained for 20,000 steps of Adam (learning rate 1e-3, cs231n's rule)
 * on minibatches of 50 CIFAR-10 images, while the process's memory is sampled. The loop is cs231n's
 * Solver step written out: `choice(N, 50)`, `model.loss(X, y)`, `cs231nUpdateRules.adam` per parameter.
 *
 * Every `sampleEvery` steps the garbage collector is run (exposed at start-up through V8's flags, so
 * no `--expose-gc` is needed) and `process.memoryUsage()` is recorded. At the same steps the step is
 * run by hand (`forward`, `crossEntropy`, `backward`: what `loss(X, y)` does at reg 0) keeping only
 * `WeakRef`s to its scores, its loss and the loss's tape node, which must be collected by the next
 * sample (the loop yields to the event loop there, since a WeakRef keeps its target alive until the
 * end of the current job): the tape leaves nothing behind. The verdict is on the second half of the run: the
 * least-squares slope of RSS, heap used and array buffers (tensors' typed arrays live there), and
 * RSS max − min.
 *
 * Data: CIFAR-10 from `$CIFAR10_DIR` or `/work/shared/data/cifar10-subset` (3000 training, 1000
 * validation images, mean-subtracted, float32), or random images of that shape when neither exists.
 *
 * Run: `node bench/dist/soak.js [steps=20000] [sampleEvery=100]`. Exits with code 1 when memory is
 * not steady or a probed graph outlives its step.
 * @module
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Generator, argmax, choice, manualSeed, type Tensor } from '@tapegrad/core';
import { FullyConnectedNet, crossEntropy } from '@tapegrad/nn';
import { cs231nUpdateRules, type Cs231nAdamConfig } from '@tapegrad/optim';
import { getCIFAR10Data } from '@tapegrad/data';

const steps = Number(process.argv[2] ?? 20_000);
const sampleEvery = Number(process.argv[3] ?? 100);
const batchSize = 50;
const hiddenDims = [100, 100, 100, 100, 100];
const MB = 1024 * 1024;
/** Steady means: over the second half, memory grows less than this many MB per 1000 steps. */
const maxSlope = { rss: 0.5, heapUsed: 0.1, arrayBuffers: 0.1 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Sample {
  step: number;
  seconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  arrayBuffers: number;
  loss: number;
  valAcc: number | null;
}

interface Splits {
  XTrain: Tensor;
  yTrain: Tensor;
  XVal: Tensor;
  yVal: Tensor;
  source: string;
}

async function loadData(): Promise<Splits> {
  const dir = process.env.CIFAR10_DIR ?? '/work/shared/data/cifar10-subset';
  if (existsSync(dir)) {
    const d = await getCIFAR10Data({ dir, numTraining: 3000, numValidation: 1000, numTest: 0, dtype: 'float32' });
    return { ...d, source: `CIFAR-10 from ${dir} (3000 train, 1000 val)` };
  }
  const g = new Generator(0);
  return {
    XTrain: g.randn([3000, 3, 32, 32], { dtype: 'float32' }).mul(60),
    yTrain: g.randint(0, 10, [3000]),
    XVal: g.randn([1000, 3, 32, 32], { dtype: 'float32' }).mul(60),
    yVal: g.randint(0, 10, [1000]),
    source: `random data of CIFAR-10's shape (${dir} not found)`,
  };
}

/** Least-squares slope of ys over xs. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

function accuracy(model: FullyConnectedNet, X: Tensor, y: Tensor): number {
  let correct = 0;
  const labels = y.toFloat64Array();
  for (let start = 0; start < X.shape[0]!; start += 500) {
    const rows = Int32Array.from({ length: Math.min(500, X.shape[0]! - start) }, (_, i) => start + i);
    const predicted = argmax(model.loss(X.index(rows)), 1).toFloat64Array();
    predicted.forEach((p, i) => { if (p === labels[start + i]) correct++; });
  }
  return correct / labels.length;
}

const data = await loadData();
manualSeed(231);
const model = new FullyConnectedNet(hiddenDims, { weightScale: 2e-2, normalization: 'batchnorm' });
const configs: Record<string, Partial<Cs231nAdamConfig>> = {};
for (const name of Object.keys(model.params)) configs[name] = { learningRate: 1e-3 };
const numTrain = data.XTrain.shape[0]!;

/** The step by hand, returning WeakRefs to what its graph held. */
function probedStep(X: Tensor, y: Tensor): { loss: number; refs: WeakRef<object>[] } {
  model.train();
  const scores = model.forward(X);
  const loss = crossEntropy(scores, y);
  model.zeroGrad();
  loss.backward();
  for (const [name, p] of Object.entries(model.params)) configs[name] = cs231nUpdateRules.adam(p, p.grad!, configs[name]);
  return { loss: loss.item(), refs: [new WeakRef(scores), new WeakRef(loss), new WeakRef(loss.gradFn!)] };
}

console.log(`soak: FullyConnectedNet [${hiddenDims.join(', ')}] batchnorm float32, Adam 1e-3, batch ${batchSize}, ${steps} steps`);
console.log(`data: ${data.source}; node ${process.version}, ${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('\n| step | s | ms/step | RSS MB | heap used MB | heap total MB | array buffers MB | loss | val acc |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');

const samples: Sample[] = [];
let pending: WeakRef<object>[] = [];
let leakedProbes = 0;
const t0 = performance.now();
let lastPrint = { step: 0, t: t0 };
for (let step = 0; step <= steps; step++) {
  const sampling = step % sampleEvery === 0;
  if (sampling) {
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef's target is kept alive until the job ends
    gc();
    if (pending.some((r) => r.deref() !== undefined)) leakedProbes++;
    const m = process.memoryUsage();
    const printing = step % (sampleEvery * 10) === 0 || step === steps;
    const valAcc = printing && step % 2000 === 0 ? accuracy(model, data.XVal, data.yVal) : null;
    const sample: Sample = {
      step, seconds: (performance.now() - t0) / 1000, rss: m.rss / MB, heapUsed: m.heapUsed / MB,
      heapTotal: m.heapTotal / MB, arrayBuffers: m.arrayBuffers / MB, loss: NaN, valAcc,
    };
    samples.push(sample);
    if (step === steps) break;
    const mask = choice(numTrain, batchSize);
    const probe = probedStep(data.XTrain.index(mask), data.yTrain.index(mask));
    pending = probe.refs;
    sample.loss = probe.loss;
    if (printing) {
      const now = performance.now();
      const msPerStep = step === 0 ? '' : ((now - lastPrint.t) / (step - lastPrint.step)).toFixed(1);
      lastPrint = { step, t: now };
      console.log(`| ${step} | ${sample.seconds.toFixed(0)} | ${msPerStep} | ${sample.rss.toFixed(1)} | ${sample.heapUsed.toFixed(1)} | ` +
        `${sample.heapTotal.toFixed(1)} | ${sample.arrayBuffers.toFixed(1)} | ${probe.loss.toFixed(3)} | ${valAcc === null ? '' : valAcc.toFixed(3)} |`);
    }
    continue;
  }
  const mask = choice(numTrain, batchSize);
  const { grads } = model.loss(data.XTrain.index(mask), data.yTrain.index(mask));
  for (const [name, p] of Object.entries(model.params)) configs[name] = cs231nUpdateRules.adam(p, grads[name]!, configs[name]);
}
const last = samples[samples.length - 1]!;
console.log(`| ${last.step} | ${last.seconds.toFixed(0)} |  | ${last.rss.toFixed(1)} | ${last.heapUsed.toFixed(1)} | ${last.heapTotal.toFixed(1)} | ` +
  `${last.arrayBuffers.toFixed(1)} |  | ${accuracy(model, data.XVal, data.yVal).toFixed(3)} |`);

const second = samples.filter((s) => s.step >= steps / 2);
const xs = second.map((s) => s.step / 1000);
const per1000 = {
  rss: slope(xs, second.map((s) => s.rss)),
  heapUsed: slope(xs, second.map((s) => s.heapUsed)),
  arrayBuffers: slope(xs, second.map((s) => s.arrayBuffers)),
};
const range = (key: 'rss' | 'heapUsed' | 'arrayBuffers', from: readonly Sample[]) => {
  const v = from.map((s) => s[key]);
  return { min: Math.min(...v), max: Math.max(...v) };
};
const rssAll = range('rss', samples), rssSecond = range('rss', second);
const steady = per1000.rss < maxSlope.rss && per1000.heapUsed < maxSlope.heapUsed && per1000.arrayBuffers < maxSlope.arrayBuffers;
console.log(`\n${samples.length} samples (every ${sampleEvery} steps, after a forced GC), ${(last.seconds / 60).toFixed(1)} min, ` +
  `${((last.seconds * 1000) / steps).toFixed(1)} ms/step; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`second half (steps ${steps / 2}..${steps}), slope per 1000 steps: RSS ${per1000.rss.toFixed(3)} MB, ` +
  `heap used ${per1000.heapUsed.toFixed(4)} MB, array buffers ${per1000.arrayBuffers.toFixed(4)} MB`);
console.log(`RSS max - min: ${(rssSecond.max - rssSecond.min).toFixed(1)} MB over the second half ` +
  `(${rssSecond.min.toFixed(1)}..${rssSecond.max.toFixed(1)}), ${(rssAll.max - rssAll.min).toFixed(1)} MB over the run ` +
  `(${rssAll.min.toFixed(1)}..${rssAll.max.toFixed(1)})`);
const ab = range('arrayBuffers', second), hu = range('heapUsed', second);
console.log(`second half: heap used ${hu.min.toFixed(1)}..${hu.max.toFixed(1)} MB, array buffers ${ab.min.toFixed(1)}..${ab.max.toFixed(1)} MB`);
console.log(`probed graphs still alive at the next sample: ${leakedProbes} of ${samples.length - 1}`);
console.log(`verdict: ${steady && leakedProbes === 0 ? 'STEADY' : 'GROWING'} (limits per 1000 steps: RSS ${maxSlope.rss} MB, ` +
  `heap used ${maxSlope.heapUsed} MB, array buffers ${maxSlope.arrayBuffers} MB; no probed graph alive)`);
if (!steady || leakedProbes > 0) process.exitCode = 1;
