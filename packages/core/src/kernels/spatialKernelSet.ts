/**
 * The kernels of convolutional nets, part of every {@link KernelSet}: what a convolution needs around
 * its GEMM (im2col, col2im and the two layout permutations), max and average pooling, and the norms
 * over NCHW data (BatchNorm per channel, GroupNorm per sample and group, RMSNorm per row).
 * @module
 */
import type { FloatArray } from '../dtype.js';

/**
 * Where a sliding 2-D window reads in an `[n, c, h, w]` input: the window `kh × kw` with strides,
 * dilations and the zero (or -∞) padding before the first row and column, and the output size it
 * makes. Output `(oh, ow)` reads input rows `oh·strideH − padTop + i·dilationH` for `i < kh` and
 * columns `ow·strideW − padLeft + j·dilationW` for `j < kw`; cells outside the input are padding.
 * The kernels trust these numbers (positive sizes, non-negative pads); the ops check them.
 *
 * @example
 * ```ts
 * import type { SpatialWindow } from '@tapegrad/core';
 * // a 3×3 window, stride 1, padding 1 on a 2×3×4×4 input: the output is 4×4
 * const g: SpatialWindow = { n: 2, c: 3, h: 4, w: 4, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1,
 *   dilationH: 1, dilationW: 1, outH: 4, outW: 4 };
 * console.log(g.outH * g.outW); // 16
 * ```
 * @category Kernels
 */
export interface SpatialWindow {
  /** Samples N. */
  readonly n: number;
  /** Channels C. */
  readonly c: number;
  /** Input height H. */
  readonly h: number;
  /** Input width W. */
  readonly w: number;
  /** Window height. */
  readonly kh: number;
  /** Window width. */
  readonly kw: number;
  /** Rows between two windows. */
  readonly strideH: number;
  /** Columns between two windows. */
  readonly strideW: number;
  /** Padding rows above the input (those below only shorten `outH`). */
  readonly padTop: number;
  /** Padding columns left of the input. */
  readonly padLeft: number;
  /** Rows between two cells of a window. */
  readonly dilationH: number;
  /** Columns between two cells of a window. */
  readonly dilationW: number;
  /** Output height. */
  readonly outH: number;
  /** Output width. */
  readonly outW: number;
}

/**
 * The convolution, pooling and NCHW-norm kernels of a {@link KernelSet}. Arrays are contiguous
 * from their offset; `[n, c, h, w]` data is row-major. Per-channel and per-row vectors (bias,
 * statistics, γ, β and their gradients) are Float64Array. Sums over float64 data run in float64.
 * Over float32 data a set may add short blocks in float32 before carrying them into float64 (the
 * WebAssembly set's BatchNorm and GroupNorm add 16 terms a lane, as PyTorch's CPU kernels sum
 * float32 in float32): the statistics are then within float32 rounding of the float64 formula,
 * relative to the sum of the terms' magnitudes. The elementwise outputs of the norms (y, dx) of
 * float32 data may be computed in float32 from float64 coefficients (the WebAssembly set does,
 * the mean subtracted in two float32 parts), within a few float32 ulps of the float64 formula.
 * @category Kernels
 */
export interface SpatialKernels {
  /**
   * im2col: writes the window cells of every output position as the columns of a matrix,
   * `cols[colsOffset + k·kStride + b·bStride + oh·outW + ow] = x[b, ci, ih, iw]` (0 in the padding),
   * with `k = (ci·kh + i)·kw + j`. Convolution takes `kStride = n·outH·outW`, `bStride = outH·outW`
   * (one `[c·kh·kw, n·outH·outW]` matrix for the whole batch); PyTorch's `unfold` takes
   * `kStride = outH·outW`, `bStride = c·kh·kw·outH·outW` (`[n, c·kh·kw, outH·outW]`).
   */
  im2col(g: SpatialWindow, x: FloatArray, xOffset: number, cols: FloatArray, colsOffset: number, kStride: number, bStride: number): void;

  /**
   * col2im, the adjoint of {@link SpatialKernels.im2col} with the same layout arguments: `dx` (`n·c·h·w`
   * elements from 0) is overwritten with the sum, over every column entry, of the entry at the
   * input cell it was read from (padding cells drop out).
   */
  col2im(g: SpatialWindow, cols: FloatArray, colsOffset: number, kStride: number, bStride: number, dx: FloatArray): void;

  /**
   * `[c, n, l] → [n, c, l]`: `y[b, ch, t] = src[ch, b, t] + bias[ch]` (no bias when null); a
   * convolution's GEMM output `[F, N·L]` into the `[N, F, OH, OW]` result.
   */
  cnlToNcl(c: number, n: number, l: number, src: FloatArray, srcOffset: number, bias: Float64Array | null, y: FloatArray, yOffset: number): void;

  /**
   * `[n, c, l] → [c, n, l]`: `dst[ch, b, t] = src[b, ch, t]` (`dst` from 0), and, when `sums` is
   * not null, `sums[ch] = Σ_{b,t} src[b, ch, t]` (a convolution's upstream gradient as the GEMM
   * operand `[F, N·L]`, and the bias gradient).
   */
  nclToCnl(n: number, c: number, l: number, src: FloatArray, srcOffset: number, dst: FloatArray, sums: Float64Array | null): void;

  /**
   * Max pooling: `y[b, ch, oh, ow]` (from 0) is the largest input cell of the window, padding
   * counting as −∞; `indices` gets its position in the plane, `ih·w + iw` (PyTorch's
   * `return_indices`). The first largest cell wins; a NaN wins over numbers (the last NaN). A
   * window without input cells (possible only with dilation) gives −∞ and index −1.
   */
  maxPool2dForward(g: SpatialWindow, x: FloatArray, xOffset: number, y: FloatArray, indices: Int32Array): void;

  /** Max pooling's backward: `dx` (`n·c·h·w`, overwritten) gets `dy` added at each output's recorded index (none for −1). */
  maxPool2dBackward(g: SpatialWindow, dy: FloatArray, dyOffset: number, indices: Int32Array, dx: FloatArray): void;

  /**
   * Average pooling: `y` (from 0) is the sum of the window's input cells divided by `kh·kw` when
   * `countIncludePad`, else by the number of window cells inside the input.
   */
  avgPool2dForward(g: SpatialWindow, countIncludePad: boolean, x: FloatArray, xOffset: number, y: FloatArray): void;

  /** Average pooling's backward: each `dy` divided by its window's divisor, added to the window's input cells of `dx` (overwritten). */
  avgPool2dBackward(g: SpatialWindow, countIncludePad: boolean, dy: FloatArray, dyOffset: number, dx: FloatArray): void;

  /**
   * BatchNorm over `[n, c, hw]` data, per channel over its `n·hw` values: when `training`, the mean
   * and biased variance (float64; see the interface's note on float32 sums) go into `mean` and `variance`, else they are read
   * from them; `invStd[ch] = 1/√(variance + eps)`, `y = (x − mean)·invStd·scale + shift` (`y` from 0).
   * Nothing else is written: the backward recomputes x̂ from `x`.
   */
  batchNorm2dForward(
    n: number, c: number, hw: number, x: FloatArray, xOffset: number, training: boolean, eps: number,
    scale: Float64Array, shift: Float64Array, mean: Float64Array, variance: Float64Array, invStd: Float64Array, y: FloatArray,
  ): void;

  /**
   * BatchNorm backward over `[n, c, hw]`, with `x̂ = (x − mean)·invStd` recomputed from `x`:
   * `sumDy[ch] = Σ dy`, `sumDyXHat[ch] = Σ dy·x̂` (written), and, when `dx` is not null (from 0),
   * with `a = scale·invStd` and `m = n·hw`: when `training` `dx = a·dy − a·sumDy/m − x̂·a·sumDyXHat/m`,
   * else `dx = a·dy`.
   */
  batchNorm2dBackward(
    n: number, c: number, hw: number, dy: FloatArray, dyOffset: number, x: FloatArray, xOffset: number, training: boolean,
    mean: Float64Array, invStd: Float64Array, scale: Float64Array, sumDy: Float64Array, sumDyXHat: Float64Array, dx: FloatArray | null,
  ): void;

  /**
   * GroupNorm over `[n, c, s]` data: each sample's `groups` groups of `c/groups` consecutive channels
   * are normalised over their `(c/groups)·s` values (biased variance; float32 sums as the interface says):
   * `mean[b·groups + g]`, `invStd[...] = 1/√(var + eps)`, `y = (x − mean)·invStd·scale[ch] + shift[ch]` (`y` from 0).
   */
  groupNormForward(
    n: number, c: number, s: number, groups: number, x: FloatArray, xOffset: number, eps: number,
    scale: Float64Array, shift: Float64Array, mean: Float64Array, invStd: Float64Array, y: FloatArray,
  ): void;

  /**
   * GroupNorm backward, `x̂` recomputed from `x`: `dScale[ch] = Σ_{b,s} dy·x̂`, `dShift[ch] = Σ dy`
   * (written), and, when `dx` is not null (from 0), per group of `d` values with `g = dy·scale[ch]`:
   * `dx = invStd·(g − Σg/d − x̂·Σ(g·x̂)/d)`.
   */
  groupNormBackward(
    n: number, c: number, s: number, groups: number, dy: FloatArray, dyOffset: number, x: FloatArray, xOffset: number,
    mean: Float64Array, invStd: Float64Array, scale: Float64Array, dx: FloatArray | null, dScale: Float64Array, dShift: Float64Array,
  ): void;

  /**
   * RMSNorm over `m` rows of `d`: `invRms[r] = 1/√(mean(x²) + eps)` (float64), `y = x·invRms·scale` (`y` from 0).
   */
  rmsNormForward(m: number, d: number, x: FloatArray, xOffset: number, eps: number, scale: Float64Array, y: FloatArray, invRms: Float64Array): void;

  /**
   * RMSNorm backward per row, with `g = dy·scale` and `r = invRms`: `dx = r·g − x·r³·Σ(g·x)/d`
   * (skipped when `dx` is null; from 0), and `dScale[j] = Σ_rows dy·x·r` (written).
   */
  rmsNormBackward(
    m: number, d: number, dy: FloatArray, dyOffset: number, x: FloatArray, xOffset: number, invRms: Float64Array,
    scale: Float64Array, dx: FloatArray | null, dScale: Float64Array,
  ): void;
}
