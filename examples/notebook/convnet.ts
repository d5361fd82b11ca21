/**
 * The small convnet of the part "Beyond the notebook" (sections/convNets.ts) and what lets cs231n's
 * Solver train it: {conv 3×3 'same' - [norm] - relu - 2×2 max pool} × 2 - affine, as a module, and
 * a module as cs231n's model. Platform-free: a training task (training.ts) builds it in whatever
 * thread or worker runs the task.
 * @module
 */
import { giveBackArrays, noGrad, recyclingArrays, zeros, type Tensor } from '@tapegrad/core';
import { BatchNorm2d, Conv2d, Flatten, GroupNorm, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, type Module } from '@tapegrad/nn';
import type { Cs231nModel } from '@tapegrad/optim';

/** The convnet's normalization after each convolution: none, BatchNorm2d, or GroupNorm with 4 groups. */
export type ConvNorm = 'none' | 'batchnorm' | 'groupnorm';

/** The convnet: two stages of conv 3×3 'same' - norm - relu - pool 2×2 (8, then 16 channels), then affine to 10 classes. */
export function convnet(norm: ConvNorm): Sequential {
  const normOf = (c: number): Module[] => (norm === 'batchnorm' ? [new BatchNorm2d(c)] : norm === 'groupnorm' ? [new GroupNorm(4, c)] : []);
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 'same' }), ...normOf(8), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 'same' }), ...normOf(16), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(16 * 8 * 8, 10),
  );
}

/**
 * A module as cs231n's model (`params`, `loss(X)` → scores, `loss(X, y)` → `{ loss, grads }`), so
 * that the Solver steps it with cs231n's update rules as it does the FullyConnectedNets; like
 * those, each call gives the arrays of its temporaries back for the next one to reuse, and
 * `releaseGrads` the gradients once they are applied.
 */
export class ModuleAsModel implements Cs231nModel {
  constructor(readonly module: Module) {}

  get params(): Record<string, Tensor> {
    return Object.fromEntries(this.module.namedParameters());
  }

  loss(X: Tensor): Tensor;
  loss(X: Tensor, y: Tensor): { loss: number; grads: Record<string, Tensor> };
  loss(X: Tensor, y?: Tensor): Tensor | { loss: number; grads: Record<string, Tensor> } {
    const m = this.module;
    const keep = function* (result: Tensor | { grads: Record<string, Tensor> }): Iterable<Tensor> {
      if (result instanceof Object && 'grads' in result) yield* Object.values(result.grads);
      else yield result;
      for (const p of m.parameters()) {
        yield p;
        if (p.grad !== null) yield p.grad;
      }
      yield* m.buffers();
    };
    return recyclingArrays((): Tensor | { loss: number; grads: Record<string, Tensor> } => {
      if (y === undefined) {
        m.eval();
        return noGrad(() => m.forward(X));
      }
      m.train();
      m.zeroGrad();
      const loss = crossEntropy(m.forward(X), y);
      loss.backward();
      const grads = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.grad ?? zeros(p.shape, { dtype: p.dtype })]));
      return { loss: loss.item(), grads };
    }, keep);
  }

  releaseGrads(grads: Readonly<Record<string, Tensor>>): void {
    const back: Tensor[] = [];
    for (const [name, p] of this.module.namedParameters()) {
      if (p.grad !== null && p.grad === grads[name]) {
        back.push(p.grad);
        p.grad = null;
      }
    }
    giveBackArrays(back);
  }
}
