/**
 * The cross-entropy loss module, as PyTorch's `nn.CrossEntropyLoss`.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { crossEntropy, type CrossEntropyOptions } from './functional/crossEntropy.js';

/**
 * Cross-entropy of logits against class indices (PyTorch's `nn.CrossEntropyLoss`), through a
 * stable log-softmax; see {@link crossEntropy}.
 *
 * loss = (1/N) Σᵢ (logΣⱼ exp(logitsᵢⱼ) − logitsᵢ,targetᵢ)  (reduction 'mean')
 *
 * Shapes: logits `[N, C]`, target `[N]` (int32 tensor or number[]); output a scalar (`[N]` for
 * reduction 'none').
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { CrossEntropyLoss } from '@tapegrad/nn';
 * const loss = new CrossEntropyLoss().forward(tensor([[0, 0], [0, 0]], { dtype: 'float64' }), [0, 1]);
 * console.log(loss.item()); // 0.6931471805599453 = log 2
 * ```
 * @category Losses
 */
export class CrossEntropyLoss extends Module {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction: NonNullable<CrossEntropyOptions['reduction']>;

  /**
   * @param opts - `reduction` ('mean').
   * @throws TypeError for an unknown reduction.
   */
  constructor(opts: CrossEntropyOptions = {}) {
    super();
    const reduction = opts.reduction ?? 'mean';
    if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
      throw new TypeError(`CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none' (got ${String(reduction)})`);
    }
    this.reduction = reduction;
  }

  /**
   * The loss of `logits` against `target`.
   * @param logits - `[N, C]`.
   * @param target - `[N]` class indices in [0, C).
   * @throws {@link @tapegrad/core!ShapeError | ShapeError}, {@link @tapegrad/core!DtypeError | DtypeError} or RangeError as {@link crossEntropy} does.
   */
  forward(logits: Tensor, target: Tensor | readonly number[]): Tensor {
    return crossEntropy(logits, target, { reduction: this.reduction });
  }

  /** `reduction='sum'` when not the default, else empty. */
  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}
