/**
 * The flatten layer, as PyTorch's `nn.Flatten`.
 * @module
 */
import { Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { graphOnly } from './graphOnly.js';

/**
 * Merges dims `startDim..endDim` into one (PyTorch's `nn.Flatten`); by default every dim after the
 * batch dim, so `[N, 3, 32, 32]` becomes `[N, 3072]`. Negative dims count from the end.
 *
 * Shapes: `[N, d1, ..., dk]` → `[N, d1·...·dk]` with the defaults.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { Flatten } from '@tapegrad/nn';
 * console.log(new Flatten().forward(zeros([2, 3, 4, 4])).shape); // [2, 48]
 * ```
 * @category Layers
 */
export class Flatten extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** The first dim merged (default 1). */
  readonly startDim: number;
  /** The last dim merged (default -1). */
  readonly endDim: number;

  /**
   * @param startDim - default 1.
   * @param endDim - default -1.
   */
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /**
   * x with dims startDim..endDim merged.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} when a dim is out of range or startDim comes after endDim.
   */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`Flatten: input must be a Tensor (got ${x === null ? 'null' : typeof x})`);
    return x.flatten(this.startDim, this.endDim);
  }

  /** `startDim=1, endDim=-1`. */
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
