/**
 * The convolution's two halves on core's kernels, shared by the fused ops that convolve (conv2d and
 * cs231n's conv-relu-pool sandwich): forward is im2col of the whole batch into a `[K, N·L]` matrix
 * in kernel memory, one GEMM per group into `[F, N·L]`, then `[F, N, L] → [N, F, L]` with the bias;
 * backward turns dy into `[F, N·L]` (summing the bias gradient on the way), dW = dy·colsᵀ, and
 * dcols = Wᵀ·dy into the cols buffer, then col2im. The cols a forward wrote are kept in their
 * scratch buffer and reused by its backward when no other convolution took the buffer in between.
 * @module
 * @internal
 */
import { gemm, getKernels, type FloatArray, type FloatDType, type NdArray, type SpatialWindow } from '@tapegrad/core';
import { heldScratch, kernelScratch } from './kernelScratch.js';

/** One convolution's geometry: the window, the groups and the weight's sizes. @internal */
export interface ConvShape {
  readonly window: SpatialWindow;
  readonly groups: number;
}

/** F, F/G, K/G (= C/G·kh·kw), L and N·L of a convolution with weight `w`. */
function sizes(s: ConvShape, w: NdArray) {
  const g = s.window;
  const F = w.shape[0]!, L = g.outH * g.outW;
  return { F, Fg: F / s.groups, Kg: w.shape[1]! * g.kh * g.kw, L, NL: g.n * L };
}

/**
 * Writes conv(x, w) + bias as `[N, F, OH, OW]` into `y` from `yOffset` (x and w contiguous). The
 * cols it makes stay in their scratch buffer with `holder` as holder (see {@link convBackward}).
 * @internal
 */
export function convForward(s: ConvShape, dtype: FloatDType, x: NdArray, w: NdArray, bias: Float64Array | null, y: FloatArray, yOffset: number, holder: object): void {
  const { F, Fg, Kg, L, NL } = sizes(s, w);
  if (NL === 0 || F === 0) return;
  const kernels = getKernels();
  const cols = kernelScratch('conv2d.cols', dtype, Kg * s.groups * NL, holder);
  if (Kg > 0) kernels.im2col(s.window, x.data as FloatArray, x.offset, cols, 0, NL, L);
  const out = kernelScratch('conv2d.out', dtype, F * NL);
  const wData = w.data as FloatArray;
  for (let i = 0; i < s.groups; i++) {
    gemm(false, false, Fg, NL, Kg, wData, w.offset + i * Fg * Kg, Kg, cols, i * Kg * NL, NL, out, i * Fg * NL, NL, false);
  }
  kernels.cnlToNcl(F, s.window.n, L, out, 0, bias, y, yOffset);
}

/**
 * From `dy` `[N, F, OH, OW]` (at `dyOffset`): `dw` (when not null) = dy·colsᵀ, with the cols of the
 * forward that `holder` made when they are still in the scratch buffer (else im2col again); `dx`
 * (when not null, overwritten) = col2im(Wᵀ·dy); `sums` (when not null) = the bias gradient.
 * @internal
 */
export function convBackward(
  s: ConvShape, dtype: FloatDType, x: NdArray, w: NdArray, dy: FloatArray, dyOffset: number, holder: object,
  dx: FloatArray | null, dw: FloatArray | null, sums: Float64Array | null,
): void {
  const { F, Fg, Kg, L, NL } = sizes(s, w);
  if (NL === 0 || F === 0) return;
  const g = s.window;
  const kernels = getKernels();
  const dyT = kernelScratch('conv2d.out', dtype, F * NL);
  kernels.nclToCnl(g.n, F, L, dy, dyOffset, dyT, sums);
  if (Kg === 0) return;
  const wData = w.data as FloatArray;
  if (dw !== null) {
    let cols = heldScratch('conv2d.cols', dtype, holder);
    if (cols === null) {
      cols = kernelScratch('conv2d.cols', dtype, Kg * s.groups * NL, holder);
      kernels.im2col(g, x.data as FloatArray, x.offset, cols, 0, NL, L);
    }
    for (let i = 0; i < s.groups; i++) {
      gemm(false, true, Fg, Kg, NL, dyT, i * Fg * NL, NL, cols, i * Kg * NL, NL, dw, i * Fg * Kg, Kg, false);
    }
  }
  if (dx !== null) {
    // the cols buffer takes dcols = Wᵀ·dy: its cols are gone
    const dcols = kernelScratch('conv2d.cols', dtype, Kg * s.groups * NL);
    for (let i = 0; i < s.groups; i++) {
      gemm(true, false, Kg, NL, Fg, wData, w.offset + i * Fg * Kg, Kg, dyT, i * Fg * NL, NL, dcols, i * Kg * NL, NL, false);
    }
    kernels.col2im(g, dcols, 0, NL, L, dx);
  }
}
