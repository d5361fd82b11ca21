/**
 * W1's training step, timed: the notebook's net (3072-100×5-10, BatchNorm before each ReLU, softmax
 * loss, Adam 1e-3), batch 50, float32, on the WebAssembly kernels, as `trainingChild.ts` runs it.
 * Browser-safe (only the packages' public entry points), so `browserStep.ts` runs this same code in
 * Node and, bundled, in a Chromium Worker.
 * @module
 */
import { kernelsReady, manualSeed, randint, randn, setKernels } from '@tapegrad/core';
import { FullyConnectedNet } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';

const BATCH = 50, HIDDEN = 100, LAYERS = 5, INPUT = 3072, CLASSES = 10, LR = 1e-3;

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
  const model = new FullyConnectedNet(new Array<number>(LAYERS).fill(HIDDEN), {
    normalization: 'batchnorm', dtype: 'float32', weightScale: Math.sqrt(2 / INPUT),
  });
  const opt = new Adam(model.parameters(), { lr: LR });
  const data = Array.from({ length: 10 }, () => [randn([BATCH, INPUT]), randint(0, CLASSES, [BATCH])] as const);
  let i = 0;
  const step = (): void => {
    const [X, y] = data[i++ % data.length]!;
    const { grads } = model.loss(X, y);
    opt.step();
    model.releaseGrads(grads); // as the Solver does after each update
  };
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
