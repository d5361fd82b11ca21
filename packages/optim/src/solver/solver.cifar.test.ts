/**
 * The notebook's "Batch Normalization for Deep Networks" cell, shortened to 2 epochs: a six-layer net
 * (hidden [100] × 5, weightScale 2e-2) trained with Adam 1e-3 in batches of 50 on 1000 training
 * images, with and without batchnorm. Real CIFAR-10 images come from ../shared/data/cifar10-subset
 * (or $CIFAR10_SUBSET_DIR); when that folder is absent, random images of the same shapes with
 * class-dependent means stand in, so that the loss can still fall.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed } from '@tapegrad/core';
import { getCIFAR10Data } from '@tapegrad/data';
import { FullyConnectedNet } from '@tapegrad/nn';
import { Solver, type SolverData } from '@tapegrad/optim';

const subsetDir = process.env.CIFAR10_SUBSET_DIR ?? fileURLToPath(new URL('../../../../../shared/data/cifar10-subset', import.meta.url));

/** Random float32 images [n, 3, 32, 32] whose mean depends on the label, and int32 labels. */
function generated(n: number, g: Generator) {
  const y = g.randint(0, 10, [n]);
  const labels = y.toFloat64Array();
  const X = g.randn([n, 3, 32, 32]);
  const data = X.data.data as Float32Array;
  for (let i = 0; i < n; i++) for (let j = 0; j < 3072; j++) data[i * 3072 + j]! += labels[i]! * (j % 10 === labels[i]! ? 0.5 : 0);
  return { X, y };
}

async function smallData(): Promise<{ data: SolverData; real: boolean }> {
  if (existsSync(subsetDir)) {
    const d = await getCIFAR10Data({ dir: subsetDir, numTraining: 1000, numValidation: 1000, numTest: 1000, dtype: 'float32' });
    return { data: { XTrain: d.XTrain, yTrain: d.yTrain, XVal: d.XVal, yVal: d.yVal }, real: true };
  }
  const g = new Generator(0);
  const train = generated(1000, g), val = generated(1000, g);
  return { data: { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, real: false };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("the notebook's six-layer net, 2 epochs on 1000 CIFAR-10 images", async () => {
  const { data, real } = await smallData();

  test.each([['batchnorm' as const], [null]])('normalization %s: histories, falling loss, cs231n log lines', async (normalization) => {
    expect(data.XTrain.shape).toEqual([1000, 3, 32, 32]);
    manualSeed(231);
    const model = new FullyConnectedNet([100, 100, 100, 100, 100], { weightScale: 2e-2, normalization });
    const lines: string[] = [];
    const solver = new Solver(model, data, {
      numEpochs: 2, batchSize: 50, updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, printEvery: 20,
      log: (line) => lines.push(line),
    });
    const start = performance.now();
    await solver.train();
    const seconds = (performance.now() - start) / 1000;
    console.log(`first/last-10 mean loss ${mean(solver.lossHistory.slice(0, 10)).toFixed(3)} ${mean(solver.lossHistory.slice(-10)).toFixed(3)}; ${real ? 'CIFAR-10 subset' : 'generated data'}, normalization ${normalization}: ${seconds.toFixed(1)} s; ${lines.join(' | ')}`);

    expect(solver.lossHistory).toHaveLength(40); // 1000 / 50 = 20 iterations per epoch
    expect(solver.trainAccHistory).toHaveLength(3); // after iteration 1, epoch 1, epoch 2
    expect(solver.valAccHistory).toHaveLength(3);
    expect(solver.lossHistory[0]).toBeGreaterThan(2.0); // ≈ ln 10 at the start
    expect(solver.lossHistory[0]).toBeLessThan(2.6);
    expect(mean(solver.lossHistory.slice(-10))).toBeLessThan(mean(solver.lossHistory.slice(0, 10)) - 0.1);
    expect(solver.trainAccHistory[2]).toBeGreaterThan(solver.trainAccHistory[0]!);
    expect(solver.bestValAcc).toBe(Math.max(...solver.valAccHistory));

    const iteration = /^\(Iteration (\d+) \/ 40\) loss: \d+\.\d{6}$/;
    const epoch = /^\(Epoch (\d+) \/ 2\) train acc: [01]\.\d{6}; val_acc: [01]\.\d{6}$/;
    expect(lines.map((l) => (iteration.test(l) ? 'I' : epoch.test(l) ? 'E' : l))).toEqual(['I', 'E', 'E', 'I', 'E']);
    expect(lines.filter((l) => iteration.test(l)).map((l) => iteration.exec(l)![1])).toEqual(['1', '21']);
    expect(lines.filter((l) => epoch.test(l)).map((l) => epoch.exec(l)![1])).toEqual(['0', '1', '2']);
    expect(lines[0]).toBe(`(Iteration 1 / 40) loss: ${solver.lossHistory[0]!.toFixed(6)}`);
  });
});
