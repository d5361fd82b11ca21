/**
 * The WebAssembly set's convolution, pooling and NCHW-norm kernels (see {@link SpatialKernels}):
 * each call takes its operands' addresses through the kernel set's call helpers (in place for
 * arrays that live in the kernels' memory, else copied in and out) and runs one export of
 * `assembly/conv.ts`, `pool.ts` or `norm2d.ts`.
 * @module
 * @internal
 */
import type { FloatArray } from '../../dtype.js';
import type { SpatialKernels, SpatialWindow } from '../spatialKernelSet.js';
import type { WasmHeap } from './wasmHeap.js';

/** A kernel export: numbers in (addresses, counts, scalars), nothing out. */
type Kernel = (...args: number[]) => void;

/** The exports this file calls, each in its f32 and f64 form. */
interface SpatialExports {
  im2colF32: Kernel; im2colF64: Kernel;
  col2imF32: Kernel; col2imF64: Kernel;
  cnlToNclF32: Kernel; cnlToNclF64: Kernel;
  nclToCnlF32: Kernel; nclToCnlF64: Kernel;
  maxPool2dForwardF32: Kernel; maxPool2dForwardF64: Kernel;
  maxPool2dBackwardF32: Kernel; maxPool2dBackwardF64: Kernel;
  avgPool2dF32: Kernel; avgPool2dF64: Kernel;
  batchNorm2dForwardF32: Kernel; batchNorm2dForwardF64: Kernel;
  batchNorm2dBackwardF32: Kernel; batchNorm2dBackwardF64: Kernel;
  groupNormForwardF32: Kernel; groupNormForwardF64: Kernel;
  groupNormBackwardF32: Kernel; groupNormBackwardF64: Kernel;
  rmsNormForwardF32: Kernel; rmsNormForwardF64: Kernel;
  rmsNormBackwardF32: Kernel; rmsNormBackwardF64: Kernel;
}

/** What the WebAssembly kernel set lends its kernels for one call (see `createWasmKernels`). */
export interface WasmCallHelpers {
  /** The instance's exports. */
  readonly exports: object;
  readonly heap: WasmHeap;
  /** Runs `body`, then copies the outputs back and releases the call's scratch. */
  call(body: () => void): void;
  /** The address of `length` elements of `x` from `offset`, copied in unless `x` lives in the heap. */
  input(x: FloatArray, offset: number, length: number): number;
  /** The same for an output (copied back by `call`); `copyIn` when the kernel also reads it. */
  output(x: FloatArray, offset: number, length: number, copyIn?: boolean): number;
  /** `bytes` of scratch for the call. */
  take(bytes: number): number;
}

/** The window's numbers in the order the exports take them. */
function windowArgs(g: SpatialWindow): number[] {
  return [g.n, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW, g.outH, g.outW];
}

/** Elements of an [n, c, h, w] input and of its [n, c, outH, outW] output. */
const inputSize = (g: SpatialWindow): number => g.n * g.c * g.h * g.w;
const outputSize = (g: SpatialWindow): number => g.n * g.c * g.outH * g.outW;

/** The spatial kernels on a WebAssembly instance. @internal */
export function spatialWasmKernels(h: WasmCallHelpers): SpatialKernels {
  const wasm = h.exports as SpatialExports;
  const { call, input, output, take, heap } = h;
  const f32 = (x: FloatArray): boolean => x.BYTES_PER_ELEMENT === 4;
  /** An Int32Array's contents in scratch (`copyIn`) or a scratch block for one (copied out with `copyOut`). */
  const ints = (x: Int32Array, copyIn: boolean): number => {
    const ptr = take(x.length * 4);
    if (copyIn) new Int32Array(heap.buffer, ptr, x.length).set(x);
    return ptr;
  };
  const copyOut = (x: Int32Array, ptr: number): void => x.set(new Int32Array(heap.buffer, ptr, x.length));
  /** The span of cols that im2col writes or col2im reads: the highest index touched, plus one. */
  const colsSpan = (g: SpatialWindow, kStride: number, bStride: number): number =>
    (g.c * g.kh * g.kw - 1) * kStride + (g.n - 1) * bStride + g.outH * g.outW;

  return {
    im2col: (g, x, xOffset, cols, colsOffset, kStride, bStride) => call(() => {
      // cols may have gaps this call does not write: copy it in so they come back unchanged
      const span = colsSpan(g, kStride, bStride);
      const dense = span === g.c * g.kh * g.kw * g.n * g.outH * g.outW;
      (f32(x) ? wasm.im2colF32 : wasm.im2colF64)(
        ...windowArgs(g), input(x, xOffset, inputSize(g)), output(cols, colsOffset, span, !dense), kStride, bStride,
      );
    }),
    col2im: (g, cols, colsOffset, kStride, bStride, dx) => call(() => {
      (f32(dx) ? wasm.col2imF32 : wasm.col2imF64)(
        ...windowArgs(g), input(cols, colsOffset, colsSpan(g, kStride, bStride)), kStride, bStride, output(dx, 0, inputSize(g)),
      );
    }),
    cnlToNcl: (c, n, l, src, srcOffset, bias, y, yOffset) => call(() => {
      (f32(y) ? wasm.cnlToNclF32 : wasm.cnlToNclF64)(
        c, n, l, input(src, srcOffset, c * n * l), bias === null ? 0 : input(bias, 0, c), output(y, yOffset, c * n * l),
      );
    }),
    nclToCnl: (n, c, l, src, srcOffset, dst, sums) => call(() => {
      (f32(dst) ? wasm.nclToCnlF32 : wasm.nclToCnlF64)(
        n, c, l, input(src, srcOffset, n * c * l), output(dst, 0, n * c * l), sums === null ? 0 : output(sums, 0, c),
      );
    }),
    maxPool2dForward: (g, x, xOffset, y, indices) => call(() => {
      const idx = ints(indices, false);
      (f32(x) ? wasm.maxPool2dForwardF32 : wasm.maxPool2dForwardF64)(
        ...windowArgs(g), input(x, xOffset, inputSize(g)), output(y, 0, outputSize(g)), idx,
      );
      copyOut(indices, idx);
    }),
    maxPool2dBackward: (g, dy, dyOffset, indices, dx) => call(() => {
      (f32(dx) ? wasm.maxPool2dBackwardF32 : wasm.maxPool2dBackwardF64)(
        g.n * g.c, g.h * g.w, g.outH * g.outW, input(dy, dyOffset, outputSize(g)), ints(indices, true), output(dx, 0, inputSize(g)),
      );
    }),
    avgPool2dForward: (g, countIncludePad, x, xOffset, y) => call(() => {
      (f32(x) ? wasm.avgPool2dF32 : wasm.avgPool2dF64)(
        ...windowArgs(g), countIncludePad ? 1 : 0, 0, input(x, xOffset, inputSize(g)), output(y, 0, outputSize(g)),
      );
    }),
    avgPool2dBackward: (g, countIncludePad, dy, dyOffset, dx) => call(() => {
      (f32(dx) ? wasm.avgPool2dF32 : wasm.avgPool2dF64)(
        ...windowArgs(g), countIncludePad ? 1 : 0, 1, input(dy, dyOffset, outputSize(g)), output(dx, 0, inputSize(g)),
      );
    }),
    batchNorm2dForward: (n, c, hw, x, xOffset, training, eps, scale, shift, mean, variance, invStd, y) => call(() => {
      const stats = training ? output : input;
      (f32(x) ? wasm.batchNorm2dForwardF32 : wasm.batchNorm2dForwardF64)(
        n, c, hw, input(x, xOffset, n * c * hw), training ? 1 : 0, eps, input(scale, 0, c), input(shift, 0, c),
        stats(mean, 0, c), stats(variance, 0, c), output(invStd, 0, c), output(y, 0, n * c * hw),
      );
    }),
    batchNorm2dBackward: (n, c, hw, dy, dyOffset, x, xOffset, training, mean, invStd, scale, sumDy, sumDyXHat, dx) => call(() => {
      (f32(dy) ? wasm.batchNorm2dBackwardF32 : wasm.batchNorm2dBackwardF64)(
        n, c, hw, input(dy, dyOffset, n * c * hw), input(x, xOffset, n * c * hw), training ? 1 : 0,
        input(mean, 0, c), input(invStd, 0, c), input(scale, 0, c), output(sumDy, 0, c), output(sumDyXHat, 0, c),
        dx === null ? 0 : output(dx, 0, n * c * hw),
      );
    }),
    groupNormForward: (n, c, s, groups, x, xOffset, eps, scale, shift, mean, invStd, y) => call(() => {
      (f32(x) ? wasm.groupNormForwardF32 : wasm.groupNormForwardF64)(
        n, c, s, groups, input(x, xOffset, n * c * s), eps, input(scale, 0, c), input(shift, 0, c),
        output(mean, 0, n * groups), output(invStd, 0, n * groups), output(y, 0, n * c * s),
      );
    }),
    groupNormBackward: (n, c, s, groups, dy, dyOffset, x, xOffset, mean, invStd, scale, dx, dScale, dShift) => call(() => {
      (f32(dy) ? wasm.groupNormBackwardF32 : wasm.groupNormBackwardF64)(
        n, c, s, groups, input(dy, dyOffset, n * c * s), input(x, xOffset, n * c * s), input(mean, 0, n * groups),
        input(invStd, 0, n * groups), input(scale, 0, c), dx === null ? 0 : output(dx, 0, n * c * s), output(dScale, 0, c), output(dShift, 0, c),
      );
    }),
    rmsNormForward: (m, d, x, xOffset, eps, scale, y, invRms) => call(() => {
      (f32(x) ? wasm.rmsNormForwardF32 : wasm.rmsNormForwardF64)(
        m, d, input(x, xOffset, m * d), eps, input(scale, 0, d), output(y, 0, m * d), output(invRms, 0, m),
      );
    }),
    rmsNormBackward: (m, d, dy, dyOffset, x, xOffset, invRms, scale, dx, dScale) => call(() => {
      (f32(dy) ? wasm.rmsNormBackwardF32 : wasm.rmsNormBackwardF64)(
        m, d, input(dy, dyOffset, m * d), input(x, xOffset, m * d), input(invRms, 0, m), input(scale, 0, d),
        dx === null ? 0 : output(dx, 0, m * d), output(dScale, 0, d),
      );
    }),
  };
}
