import { describe, expect, it } from 'vitest';
import { Generator, getDefaultDtype, setDefaultDtype } from '@tapegrad/core';
import { Solver } from '@tapegrad/optim';
import { convnetSetup } from './convnet.js';
import { runTrainingTask, type RunSpec, type TrainingArrays } from './training.js';

/** 30 training and 20 validation images [3, 32, 32] of noise, labels at random. */
function arrays(): TrainingArrays {
  const g = new Generator(3);
  const images = (n: number) => Float32Array.from(g.randn([n * 3072]).toFloat64Array());
  const labels = (n: number) => Int32Array.from(g.randint(0, 10, [n]).toFloat64Array());
  return { XTrain: images(30), yTrain: labels(30), XVal: images(20), yVal: labels(20), rowSize: 3072, imageShape: [3, 32, 32] };
}

const spec = (norm: 'none' | 'batchnorm' | 'groupnorm'): RunSpec => ({
  key: `convnet-${norm}`, convnet: norm, hiddenDims: [], normalization: null, weightScale: Number.NaN, reg: 0,
  numTrain: 30, numVal: 20, numEpochs: 2, batchSize: 10, learningRate: 2e-3, printEvery: 2, verbose: true,
});

describe('the convnet of "Beyond the notebook"', () => {
  it('trains on the float32 images to the same numbers whatever the default dtype', async () => {
    const data = arrays();
    const task = { seed: 231, runs: [spec('batchnorm'), spec('groupnorm')] };
    const strip = (rs: Awaited<ReturnType<typeof runTrainingTask>>) => rs.map(({ seconds: _s, ...r }) => r);
    const want = strip(await runTrainingTask(task, data));
    const before = getDefaultDtype();
    setDefaultDtype('float64');
    let got;
    try {
      got = strip(await runTrainingTask(task, data));
    } finally {
      setDefaultDtype(before);
    }
    expect(want.map((r) => r.error)).toEqual([null, null]);
    expect(want.every((r) => r.lossHistory.length === 6 && r.lossHistory.every(Number.isFinite))).toBe(true);
    expect(got).toEqual(want);
  });

  it('is a ModuleSetup: the Solver trains it, and an accuracy check leaves it in the mode it was in', async () => {
    const setup = convnetSetup('batchnorm', 1e-3);
    const g = new Generator(4);
    const X = g.randn([8, 3, 32, 32]), y = g.randint(0, 10, [8]);
    const solver = new Solver(setup, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { numEpochs: 1, batchSize: 4, verbose: false });
    const running = setup.module.buffers()[0]!;
    for (const mode of [false, true]) {
      setup.module.train(mode);
      const runningBefore = running.toArray();
      solver.checkAccuracy(X, y);
      expect(setup.module.modules().map((m) => m.training)).toEqual(setup.module.modules().map(() => mode));
      expect(running.toArray()).toEqual(runningBefore); // eval mode during the check: the running statistics stay
    }
    const w = setup.module.parameters()[0]!.clone();
    await solver.train();
    expect(solver.lossHistory).toHaveLength(2);
    expect(setup.module.parameters()[0]!.toArray()).not.toEqual(w.toArray());
  });
});
