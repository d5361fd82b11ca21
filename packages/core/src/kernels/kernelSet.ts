/**
 * The kernel layer's interface: the hot loops of training (GEMM, bias add, ReLU, BatchNorm and
 * LayerNorm forward and backward, the Adam update) behind one {@link KernelSet}, with two
 * implementations: pure TypeScript (`'js'`) and WebAssembly SIMD compiled from
 * `packages/core/assembly/` at build time (`'wasm'`). {@link setKernels} chooses one; by default
 * (and with `TAPEGRAD_KERNELS=auto`) WebAssembly is used where the runtime supports SIMD.
 *
 * BatchNorm, LayerNorm and Adam are nn's and optim's, yet their kernels live here: there is one
 * kernel set behind {@link getKernels}, and one WebAssembly module and memory, built in core, so nn
 * and optim call their kernels through it instead of building and loading modules of their own.
 * @module
 */
import type { FloatArray } from '../dtype.js';
import type { SpatialKernels } from './spatialKernelSet.js';

/** The name of a kernel implementation. @category Kernels */
export type KernelName = 'js' | 'wasm';

/**
 * The scalars of one Adam step, computed once per parameter by the optimizer:
 * `p ← p·shrink; g ← g + l2·p; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * v̂ ← max(v̂, v) (amsgrad); p ← p − stepSize · m / (√v̂ · (1 / bc2Sqrt) + eps)`. PyTorch divides √v̂
 * by bc2Sqrt; the kernels multiply by its reciprocal, computed once a call, since the update is bound
 * by its divisions: the denominator may differ from PyTorch's by an ulp.
 * @category Kernels
 */
export interface AdamStep {
  /** β1, the first moment's decay. */
  readonly beta1: number;
  /** β2, the second moment's decay. */
  readonly beta2: number;
  /** lr / (1 − β1^t). */
  readonly stepSize: number;
  /** √(1 − β2^t). */
  readonly bc2Sqrt: number;
  /** Added to the denominator. */
  readonly eps: number;
  /** L2 weight decay added to the gradient (Adam), or 0. */
  readonly l2: number;
  /** Decoupled decay factor 1 − lr·λ (AdamW), or 1. */
  readonly shrink: number;
}

/**
 * One implementation of the kernels. Every array argument is a typed array with an element offset;
 * matrices are row-major and contiguous unless a leading dimension says otherwise. Per-channel
 * vectors (statistics, γ, β) are Float64Array. Kernels never allocate what the caller passes in and
 * never keep references to it. Get the active one with {@link getKernels}.
 * @category Kernels
 */
export interface KernelSet extends SpatialKernels {
  /** `'js'` or `'wasm'`. */
  readonly name: KernelName;
  /** Worker threads GEMM may use besides the calling thread (0 for `'js'`). */
  readonly threads: number;
  /**
   * Why this set is the one that runs, for people: for `'wasm'`, which build (and why GEMM has no
   * worker threads, when they were asked for and cannot run here); for `'js'`, that it was asked
   * for, or why `'auto'` could not use WebAssembly (no WebAssembly SIMD, a shared
   * WebAssembly.Memory refused, compiling or instantiating the module failed).
   */
  readonly reason: string;

  /**
   * `C = op(A)·op(B)` or, when `accumulate`, `C += op(A)·op(B)`; the arguments of core's
   * `gemm`, already checked (sizes, spans, dtypes all Float32Array or all Float64Array, C apart
   * from A and B).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, aOffset: number, lda: number,
    b: FloatArray, bOffset: number, ldb: number,
    c: FloatArray, cOffset: number, ldc: number,
    accumulate: boolean,
  ): void;

  /** `y[i, j] += bias[j]` over the contiguous `rows × cols` matrix at `y[yOffset]`, in place. */
  addRowVector(rows: number, cols: number, y: FloatArray, yOffset: number, bias: FloatArray, biasOffset: number): void;

  /** `out[j] = Σ_i x[i, j]` over the contiguous `rows × cols` matrix at `x[xOffset]`, summed in float64. */
  sumRows(rows: number, cols: number, x: FloatArray, xOffset: number, out: Float64Array): void;

  /** `y[i] = max(x[i], 0)` for `n` elements (NaN stays NaN). */
  relu(n: number, x: FloatArray, xOffset: number, y: FloatArray, yOffset: number): void;

  /** `dx[i] = y[i] > 0 ? dy[i] : 0` for `n` elements, from ReLU's output `y`. */
  reluBackward(n: number, y: FloatArray, yOffset: number, dy: FloatArray, dyOffset: number, dx: FloatArray, dxOffset: number): void;

  /**
   * BatchNorm forward over the contiguous `[n, c]` rows at `x[xOffset]`, per column j:
   * when `training`, `mean[j]` and biased `variance[j]` are computed (float64, from sums shifted by the first row) into the
   * given arrays, else read from them; then `invStd[j] = 1/√(variance[j] + eps)`,
   * `xHat = (x − mean)·invStd` and `y = xHat·scale + shift` (y contiguous from 0; xHat too, when
   * not null: the fused op does not store it, its backward recomputes it from x).
   */
  batchNormForward(
    n: number, c: number, x: FloatArray, xOffset: number, training: boolean, eps: number,
    scale: Float64Array, shift: Float64Array, mean: Float64Array, variance: Float64Array, invStd: Float64Array,
    xHat: FloatArray | null, y: FloatArray,
  ): void;

  /**
   * BatchNorm backward from forward's input `x` (`[n, c]` at `x[xOffset]`), `mean` and `invStd`,
   * with `xHat = (x − mean)·invStd` recomputed on the fly: `sumDy[j] = Σ dy`, `sumDyXHat[j] = Σ dy·xHat`
   * (float64, written into the arrays given), and, when `dx` is not null, when `training`
   * `dx = a·dy − a·sumDy/n − xHat·a·sumDyXHat/n` with `a = scale·invStd`, else `dx = a·dy`.
   */
  batchNormBackward(
    n: number, c: number, dy: FloatArray, dyOffset: number, x: FloatArray, xOffset: number, mean: Float64Array, training: boolean,
    invStd: Float64Array, scale: Float64Array, sumDy: Float64Array, sumDyXHat: Float64Array, dx: FloatArray | null,
  ): void;

  /**
   * LayerNorm forward over `m` contiguous rows of `d` at `x[xOffset]`, per row: `μ`, biased `σ²`,
   * `invStd[r] = 1/√(σ² + eps)`, `xHat = (x − μ)·invStd`, `y = xHat·scale + shift`.
   */
  layerNormForward(
    m: number, d: number, x: FloatArray, xOffset: number, eps: number,
    scale: Float64Array, shift: Float64Array, xHat: FloatArray, y: FloatArray, invStd: Float64Array,
  ): void;

  /**
   * LayerNorm backward per row, with g = dy·scale: `dx = invStd·g − invStd·Σg/d − xHat·invStd·Σ(g·xHat)/d`
   * (skipped when `dx` is null), and `dScale += Σ_rows dy·xHat`, `dShift += Σ_rows dy` (float64).
   */
  layerNormBackward(
    m: number, d: number, dy: FloatArray, dyOffset: number, xHat: FloatArray, invStd: Float64Array,
    scale: Float64Array, dx: FloatArray | null, dScale: Float64Array, dShift: Float64Array,
  ): void;

  /**
   * One Adam step over `n` elements, in place: `p` and its moments `m`, `v` (and `vMax` with
   * amsgrad, else null), gradient `g`; see {@link AdamStep}. `m`, `v`, `vMax` start at index 0.
   */
  adamUpdate(
    n: number, p: FloatArray, pOffset: number, g: FloatArray, gOffset: number,
    m: FloatArray, v: FloatArray, vMax: FloatArray | null, step: AdamStep,
  ): void;

  /**
   * A zero-filled array of `length` elements that the kernels can use without copying (for the
   * WebAssembly kernels, a view into their memory, released when the array is collected). For
   * buffers that live across many kernel calls: optimizer state, parameters.
   */
  allocate(dtype: 'float32' | 'float64', length: number): FloatArray;
}
