/**
 * cs231n's Solver trains convolutional nets: the ConvolutionalNetworks notebook's "overfit small
 * data" check on nn's ThreeLayerConvNet (cs231n's model interface, Adam), and a PyTorch-style
 * module with BatchNorm2d through `{ module, lossFn, optimizer }`. Real CIFAR-10 images come from
 * ../shared/data/cifar10-subset (or $CIFAR10_SUBSET_DIR); without that folder, random images stand
 * in: each a random pattern of its label's plus noise of the same scale.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Generator, fromArray, manualSeed } from '@tapegrad/core';
import { getCIFAR10Data } from '@tapegrad/data';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, ThreeLayerConvNet, crossEntropy } from '@tapegrad/nn';
import { Adam, Solver, type SolverData } from '@tapegrad/optim';

const subsetDir = process.env.CIFAR10_SUBSET_DIR ?? fileURLToPath(new URL('../../../../../shared/data/cifar10-subset', import.meta.url));

/** 60 training and 60 validation images [n, 3, 32, 32] float32 with int32 labels. */
async function smallData(): Promise<SolverData> {
  if (existsSync(subsetDir)) {
    const d = await getCIFAR10Data({ dir: subsetDir, numTraining: 60, numValidation: 60, numTest: 10, dtype: 'float32' });
    return { XTrain: d.XTrain, yTrain: d.yTrain, XVal: d.XVal, yVal: d.yVal };
  }
  const g = new Generator(0);
  const size = 3 * 32 * 32;
  const patterns = g.randn([10, size]).toFloat64Array();
  const make = () => {
    const y = g.randint(0, 10, [60]);
    const labels = y.toArray() as number[];
    const X = g.randn([60, size]).toFloat64Array().map((v, i) => v + patterns[labels[Math.floor(i / size)]! * size + (i % size)]!);
    return { X: fromArray(Float32Array.from(X), [60, 3, 32, 32]), y };
  };
  const train = make(), val = make();
  return { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the Solver trains convolutional nets on a small subset', async () => {
  const data = await smallData();

  test("ThreeLayerConvNet, the notebook's overfitting check shortened: the loss falls and the training accuracy climbs", async () => {
    manualSeed(231);
    const model = new ThreeLayerConvNet({ numFilters: 8, filterSize: 5, hiddenDim: 50, weightScale: 1e-2 });
    const solver = new Solver(model, data, {
      numEpochs: 8, batchSize: 20, updateRule: 'adam', optimConfig: { learningRate: 2e-3 }, verbose: false,
    });
    await solver.train();
    expect(solver.lossHistory).toHaveLength(24);
    expect(solver.lossHistory[0]).toBeGreaterThan(2.0); // ≈ ln 10 with weights of scale 1e-2
    expect(mean(solver.lossHistory.slice(-3))).toBeLessThan(0.8 * mean(solver.lossHistory.slice(0, 3)));
    expect(solver.trainAccHistory.at(-1)!).toBeGreaterThan(solver.trainAccHistory[0]! + 0.2);
    expect(Object.values(model.params).every((p) => p.grad === null)).toBe(true); // releaseGrads took them back
  });

  test('a Sequential with Conv2d and BatchNorm2d through { module, lossFn, optimizer }: the loss falls, the running statistics move', async () => {
    manualSeed(0);
    const module = new Sequential(
      new Conv2d(3, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
      new Conv2d(8, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
      new Flatten(), new Linear(8 * 8 * 8, 10),
    );
    const solver = new Solver({ module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 3e-3 }) }, data, {
      numEpochs: 6, batchSize: 20, verbose: false,
    });
    await solver.train();
    expect(mean(solver.lossHistory.slice(-3))).toBeLessThan(0.8 * mean(solver.lossHistory.slice(0, 3)));
    const bn = module.children()[1] as BatchNorm2d;
    expect(bn.numBatchesTracked!.item()).toBe(18);
    expect(bn.runningVar!.toFloat64Array().some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
  });
});
