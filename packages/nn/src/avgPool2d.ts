/**
 * The 2-D average pooling layer, as PyTorch's `nn.AvgPool2d`.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import { avgPool2d, type AvgPool2dOptions } from './functional/avgPool2d.js';
import { checkPoolOptions, poolWindow } from './functional/maxPool2d.js';
import { formatPair } from './maxPool2d.js';
import { Module } from './module.js';
import { graphOnly } from './graphOnly.js';

/**
 * Average pooling over `[N, C, H, W]` (PyTorch's `nn.AvgPool2d`, floor mode): each output is the
 * mean of its `kh × kw` window, zero padding counted in the divisor (`countIncludePad`, the
 * default) or not. No parameters; {@link avgPool2d} is its one form (one tape node with a
 * handwritten backward), so it has no `backward` switch.
 *
 * Output `[N, C, OH, OW]`, `OH = ⌊(H + 2·ph − kh)/sh⌋ + 1`, likewise OW.
 *
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { AvgPool2d } from '@tapegrad/nn';
 * const pool = new AvgPool2d(2);
 * console.log(pool.forward(tensor([[[[1, 2], [3, 6]]]])).toArray(), String(pool)); // [[[[3]]]] 'AvgPool2d(kernelSize=2, stride=2, padding=0)'
 * ```
 * @category Layers
 */
export class AvgPool2d extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** `k` or `[kh, kw]`. */
  readonly kernelSize: number | readonly [number, number];
  /** Rows and columns between two windows (default: the kernel size). */
  readonly stride: number | readonly [number, number];
  /** Zero rows above and below, columns left and right; at most half the window. */
  readonly padding: number | readonly [number, number];
  /** Whether the divisor counts the padding cells of a window. */
  readonly countIncludePad: boolean;

  /**
   * @param kernelSize - `k` or `[kh, kw]`.
   * @param opts - `stride` (the kernel size), `padding` (0), `countIncludePad` (true); see {@link AvgPool2dOptions}.
   * @throws RangeError for a kernel size or stride that is not a positive integer, or a padding
   *   that is negative or more than half the window; TypeError for a countIncludePad that is not a boolean.
   */
  constructor(kernelSize: number | readonly [number, number], opts: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    const countIncludePad = opts.countIncludePad ?? true;
    if (typeof countIncludePad !== 'boolean') throw new TypeError(`AvgPool2d: countIncludePad must be a boolean (got ${typeof countIncludePad})`);
    this.countIncludePad = countIncludePad;
    checkPoolOptions('AvgPool2d', this.kernelSize, { stride: this.stride, padding: this.padding });
  }

  /**
   * Average pooling of `x`.
   * @param x - `[N, C, H, W]`, float32 or float64.
   * @returns `[N, C, OH, OW]`.
   * @throws {@link @tapegrad/core!ShapeError | ShapeError} for another rank or a window larger than the padded input
   *   (`AvgPool2d: the window 3×3 must fit in the padded input 2×2 (got input [1, 1, 2, 2] with padding [0, 0, 0, 0])`).
   * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
   */
  forward(x: Tensor): Tensor {
    const opts = { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad };
    poolWindow('AvgPool2d', x, this.kernelSize, opts);
    return avgPool2d(x, this.kernelSize, opts);
  }

  /** `kernelSize=2, stride=2, padding=0` (plus countIncludePad=false when so). */
  override extraRepr(): string {
    const s = `kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, padding=${formatPair(this.padding)}`;
    return this.countIncludePad ? s : `${s}, countIncludePad=false`;
  }
}
