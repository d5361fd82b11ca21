/**
 * The ReLU layer, as PyTorch's `nn.ReLU`.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { checkBackwardMode, type BackwardMode } from './backwardMode.js';
import { pickForm } from './functional/fusedOpTable.js';
import { graphOnly } from './graphOnly.js';

/** Options of {@link ReLU}. @category Layers */
export interface ReLUOptions {
  /** `'fused'` (one node with a handwritten backward; the default) or `'tape'` (core's relu op). */
  backward?: BackwardMode;
}

/**
 * Elementwise rectified linear unit (PyTorch's `nn.ReLU`): y = max(x, 0), gradient 0 at x = 0.
 *
 * Shapes: any input shape; the output has the same shape.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { ReLU } from '@tapegrad/nn';
 * console.log(new ReLU().forward(tensor([-1, 0, 3])).toArray()); // [0, 0, 3]
 * ```
 * @category Layers
 */
export class ReLU extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** Which backward `forward` uses; see {@link setBackwardMode}. */
  backward: BackwardMode;

  /**
   * @param opts - `backward` ('fused').
   * @throws TypeError for an unknown `backward`.
   */
  constructor(opts: ReLUOptions = {}) {
    super();
    this.backward = checkBackwardMode('ReLU', opts.backward);
  }

  /**
   * max(x, 0) by the `backward` path chosen.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
   */
  forward(x: Tensor): Tensor {
    return pickForm('relu', this.backward)(x);
  }
}
