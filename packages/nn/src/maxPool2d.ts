/**
 * The 2-D max pooling layer, as PyTorch's `nn.MaxPool2d`.
 * @module
 */
import { formatShape, type Tensor } from '@tapegrad/core';
import { checkPoolOptions, maxPool2d, poolWindow, type MaxPool2dOptions } from './functional/maxPool2d.js';
import { Module } from './module.js';
import { graphOnly } from './graphOnly.js';

/** `2` or `[2, 3]`, as the layers' `toString` shows a size. @internal */
export const formatPair = (v: number | readonly [number, number]): string => (typeof v === 'number' ? String(v) : formatShape(v));

/**
 * Max pooling over `[N, C, H, W]` (PyTorch's `nn.MaxPool2d`, floor mode): each output is the largest
 * cell of its `kh × kw` window, padding counting as −∞. No parameters; {@link maxPool2d} is its one
 * form (one tape node with a handwritten backward: the gradient goes to each window's winner), so
 * it has no `backward` switch.
 *
 * Output `[N, C, OH, OW]`, `OH = ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1`, likewise OW.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { MaxPool2d } from '@tapegrad/nn';
 * const pool = new MaxPool2d(2);
 * console.log(pool.forward(tensor([[[[1, 5, 2, 0], [3, 4, 8, 1]]]])).toArray(), String(pool)); // [[[[5, 8]]]] 'MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1)'
 * ```
 * @category Layers
 */
export class MaxPool2d extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** `k` or `[kh, kw]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Rows and columns between two windows (default: the kernel size). */
  readonly stride: number | readonly [number, number];
  /** −∞ rows above and below, columns left and right; at most half the window. */
  readonly padding: number | readonly [number, number];
  /** Rows and columns between two cells of a window. */
  readonly dilation: number | readonly [number, number];

  /**
   * @param kernelSize - `k` or `[kh, kw]`.
   * @param opts - `stride` (the kernel size), `padding` (0), `dilation` (1); see {@link MaxPool2dOptions}.
   * @throws RangeError for a kernel size, stride or dilation that is not a positive integer, or a
   *   padding that is negative or more than half the window.
   */
  constructor(kernelSize: number | readonly [number, number], opts: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    checkPoolOptions('MaxPool2d', this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  /**
   * Max pooling of `x`.
   * @param x - `[N, C, H, W]`, float32 or float64.
   * @returns `[N, C, OH, OW]`.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for another rank
   *   (`MaxPool2d: expected input [N, C, H, W] (got [3, 8, 8])`) or a window larger than the padded input.
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
   */
  forward(x: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation };
    poolWindow('MaxPool2d', x, this.kernelSize, opts);
    return maxPool2d(x, this.kernelSize, opts);
  }

  /** `kernelSize=2, stride=2, padding=0, dilation=1`. */
  override extraRepr(): string {
    return `kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, padding=${formatPair(this.padding)}, dilation=${formatPair(this.dilation)}`;
  }
}
