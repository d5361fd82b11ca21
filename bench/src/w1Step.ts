/**
 * W1's training step, timed: the notebook's net (3072-100×5-10, BatchNorm before each ReLU, softmax
 * loss, Adam 1e-3), batch 50, float32, on the WebAssembly kernels, as `trainingChild.ts` runs it
 * (`w1Workload.ts`'s `fcnet` form).
 * Browser-safe (only the packages' public entry points), so `browserStep.ts` runs this same code in
 * Node and, bundled, in a Chromium Worker.
 * @module
 */
import { kernelsReady, manualSeed, randint, randn, recyclingArrays, setKernels } from '@tapegrad/core';
import { BatchNorm1d, FullyConnectedNet, Linear, ReLU, Sequential, crossEntropy } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';
import { W1, minibatches, trainingModel, trainingStep, type Packages } from './w1Workload.js';

/** This checkout's packages, as `w1Workload.ts`'s builders take them. */
export const packages: Packages = {
  core: { randn, randint, recyclingArrays },
  nn: { BatchNorm1d, FullyConnectedNet, Linear, ReLU, Sequential, crossEntropy },
  optim: { Adam },
};

/** What one run measured. */
export interface W1Run {
  /** GEMM worker threads the kernels had (after `kernelsReady`). */
  threads: number;
  /** The kernel set's `reason`. */
  kernels: string;
  /** Seconds per timed step. */
  times: number[];
}

/**
 * Sets the WebAssembly kernels with `threads` (capped at the CPUs minus one), waits for them, then
 * runs 3 untimed steps and times steps for `budgetMs` milliseconds (at least 3).
 */
export async function timeW1Steps(threads: number, budgetMs: number): Promise<W1Run> {
  setKernels('wasm', { threads });
  const k = await kernelsReady();
  manualSeed(0);
  const model = trainingModel(packages, W1, 'fcnet'); // the model first, then the data, as trainingChild's W1
  const step = trainingStep(model, minibatches(packages, W1));
  for (let w = 0; w < 3; w++) step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1000);
  }
  return { threads: k.threads, kernels: k.reason, times };
}
