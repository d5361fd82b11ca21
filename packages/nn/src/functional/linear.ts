/**
 * The affine map y = x·Wᵀ + b in its two forms: composed from core ops (the tape derives the
 * gradient) and fused (one tape node with a handwritten backward).
 * @module
 */
import {
  DtypeError, ShapeError, Tensor, checkFloatTensor, contiguousNdArray, createNdArray, defineOpWithAttrs, formatShape, getKernels, inputList,
  matmulNdArray, type FloatArray, type NdArray,
} from '@tapegrad/core';
import { CallRing, CallState } from './callState.js';

/** Checks the operands of a linear map and names `op` in the error. @internal */
export function checkLinearOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  checkFloatTensor(op, x, 'x');
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor (got ${weight === null ? 'null' : typeof weight})`);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: expected weight [outFeatures, inFeatures] (got ${formatShape(weight.shape)})`);
  checkLinearShapes(op, x, weight.shape, weight.dtype, bias);
}

/** The rest of {@link checkLinearOperands}, for a float x and a 2-D weight of `weightShape` [out, in] and `weightDtype`. */
function checkLinearShapes(op: string, x: Tensor, weightShape: readonly number[], weightDtype: string, bias: Tensor | null | undefined): void {
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null (got ${typeof bias})`);
  const outFeatures = weightShape[0]!, inFeatures = weightShape[1]!;
  if (x.ndim !== 2 || x.shape[1] !== inFeatures) throw new ShapeError(`${op}: expected x [N, ${inFeatures}] (got ${formatShape(x.shape)})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) throw new ShapeError(`${op}: expected bias [${outFeatures}] (got ${formatShape(bias.shape)})`);
  if (weightDtype !== x.dtype) throw new DtypeError(`${op}: weight must have x's dtype ${x.dtype} (got ${weightDtype})`);
  if (bias && bias.dtype !== x.dtype) throw new DtypeError(`${op}: bias must have x's dtype ${x.dtype} (got ${bias.dtype})`);
}

/**
 * The affine map composed from core ops, `x.matmul(weight.T).add(bias)`; the tape derives its
 * gradient. Same signature and result as {@link linearFused}.
 *
 * y = x·Wᵀ + b
 *
 * @param x - the input, `[N, inFeatures]`.
 * @param weight - `[outFeatures, inFeatures]` (PyTorch's layout).
 * @param bias - `[outFeatures]`; omitted or null for none.
 * @returns `[N, outFeatures]`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when the shapes do not fit; {@link @tapegrad/core!DtypeError | DtypeError} when the dtypes differ.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { linearComposed } from '@tapegrad/nn';
 * const y = linearComposed(tensor([[1, 2]]), tensor([[1, 0], [1, 1], [0, 2]]), tensor([0, 0, 1]));
 * console.log(y.toArray()); // [[1, 3, 5]]
 * ```
 * @category Functional
 */
export function linearComposed(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkLinearOperands('linearComposed', x, weight, bias);
  const y = x.matmul(weight.T);
  return bias ? y.add(bias) : y;
}

/** Whether a 2-D ndarray is the transposed view of a contiguous array (as `W.T` of a [in, out] W is). */
function isTransposedContiguous(w: NdArray): boolean {
  const [rows, cols] = w.shape as [number, number];
  return rows > 1 && cols > 1 && w.stride[0] === 1 && w.stride[1] === rows;
}

/**
 * One {@link linearOp} call's attributes: how it reads its weight, PyTorch's `[out, in]` (y = x·Wᵀ)
 * or cs231n's `[in, out]` (`inOut`: y = x·W); and the x (`saved`) and weight its backward reads,
 * kept here instead of by `ctx.save` (see CallState). Reused from call to call.
 */
class LinearCall extends CallState {
  inOut = false;
  weight: NdArray | null = null;

  /** Takes this state for a call with the weight in `inOut` layout. */
  claim(inOut: boolean): this {
    this.lend();
    this.inOut = inOut;
    return this;
  }

  protected override dropSaved(): void {
    this.saved = null;
    this.weight = null;
  }
}

/** The calls' states: a step's linear layers each hold one until backward frees its node. @internal */
export const linearCalls = new CallRing(32, () => new LinearCall());

/** Applies {@link linearOp} to `inputs` with a state taken for the call, given back when the call recorded nothing. */
function applyLinear(inputs: readonly Tensor[], inOut: boolean): Tensor {
  const call = linearCalls.take().claim(inOut);
  let y: Tensor | null = null;
  try {
    y = linearOp(inputs, call);
    return y;
  } finally {
    call.settle(y);
  }
}

const linearOp = defineOpWithAttrs<LinearCall, readonly []>({
  name: 'linearFused',
  contiguous: false,
  forward(ctx, x, w, b?: NdArray) {
    const call = ctx.attrs;
    call.saved = x;
    call.weight = w;
    const y = matmulNdArray(x, false, w, !call.inOut);
    if (b !== undefined) {
      const n = y.shape[0]!, m = y.shape[1]!;
      const bias = contiguousNdArray(b);
      getKernels().addRowVector(n, m, y.data as FloatArray, y.offset, bias.data as FloatArray, bias.offset);
    }
    return y;
  },
  backward(ctx, dy) {
    const call = ctx.attrs;
    call.heldUntilFreed(ctx);
    const x = call.saved!, w = call.weight!;
    const inOut = call.inOut;
    const dx = ctx.needsGrad[0] ? matmulNdArray(dy, false, w, inOut) : null;
    let dw: NdArray | null = null;
    if (ctx.needsGrad[1]) {
      if (inOut) dw = matmulNdArray(x, true, dy, false);
      else dw = isTransposedContiguous(w) ? matmulNdArray(x, true, dy, false).transpose(1, 0) : matmulNdArray(dy, true, x, false);
    }
    // (one flag per input: needsGrad is a shared table, where inputShapes may make an array)
    const grads = ctx.needsGrad.length === 2 ? gradsOfTwo : gradsOfThree;
    grads[0] = dx;
    grads[1] = dw;
    if (grads.length === 3) grads[2] = ctx.needsGrad[2] ? sumRows(dy) : null;
    return grads;
  },
});

/** The lists linearOp's backward returns (no bias, bias), refilled per call: the tape reads one before any other backward runs and keeps none. */
const gradsOfTwo: (NdArray | null)[] = [null, null];
const gradsOfThree: (NdArray | null)[] = [null, null, null];

/** The float64 row sums of {@link sumRows}, as long as the longest row yet (the kernels write the first m). */
let rowSums = new Float64Array(0);
/** The [m] shape handed to `createNdArray` (its view copies it). */
const biasShape = [0];

/** Σ over the rows of an [n, m] ndarray: an [m] ndarray. */
function sumRows(dy: NdArray): NdArray {
  const n = dy.shape[0]!, m = dy.shape[1]!;
  const c = contiguousNdArray(dy);
  biasShape[0] = m;
  const db = createNdArray(dy.dtype as 'float32' | 'float64', biasShape, false); // every element written below
  if (rowSums.length < m) rowSums = new Float64Array(m);
  const acc = rowSums;
  getKernels().sumRows(n, m, c.data as FloatArray, c.offset, acc);
  const out = db.data;
  for (let j = 0; j < m; j++) out[j] = acc[j]!;
  return db;
}

/**
 * The affine map as one tape node with a handwritten backward. Same signature and result as
 * {@link linearComposed}; the products run on core's GEMM kernel through `matmul` (a transposed
 * weight such as `W.T` is read in place, not copied), the bias add and its row sums on core's
 * active kernels (see {@link @tapegrad/core!setKernels | setKernels}).
 *
 * y = x·Wᵀ + b;  dx = dy·W,  dW = dyᵀ·x,  db = Σ_rows dy
 *
 * @param x - the input, `[N, inFeatures]`.
 * @param weight - `[outFeatures, inFeatures]` (PyTorch's layout).
 * @param bias - `[outFeatures]`; omitted or null for none.
 * @returns `[N, outFeatures]`, recorded as one node named `linearFused`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} when the shapes do not fit; {@link @tapegrad/core!DtypeError | DtypeError} when the dtypes differ.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { linearFused } from '@tapegrad/nn';
 * const w = tensor([[1, 0], [1, 1], [0, 2]], { requiresGrad: true });
 * const y = linearFused(tensor([[1, 2]]), w, tensor([0, 0, 1]));
 * console.log(y.toArray()); // [[1, 3, 5]]
 * y.sum().backward();
 * console.log(w.grad?.toArray()); // [[1, 2], [1, 2], [1, 2]]
 * ```
 * @category Functional
 */
export function linearFused(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkLinearOperands('linearFused', x, weight, bias);
  return applyLinear(bias ? inputList(x, weight, bias) : inputList(x, weight), false);
}

/**
 * {@link linearFused} with the weight in cs231n's `[in, out]` layout: y = x·W + b, one node named
 * `linearFused`, the same values as `linearFused(x, W.T, b)` without recording the permute of `W.T`
 * (and dW comes out in W's layout, contiguous). For cs231n's models, whose weights are `[in, out]`.
 * @internal
 */
export function linearInOutFused(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkFloatTensor('linearFused', x, 'x');
  if (!(weight instanceof Tensor)) throw new TypeError(`linearFused: weight must be a Tensor (got ${weight === null ? 'null' : typeof weight})`);
  if (weight.ndim !== 2) throw new ShapeError(`linearFused: expected weight [inFeatures, outFeatures] (got ${formatShape(weight.shape)})`);
  // the checks of linearFused(x, weight.T, bias), on the transposed shape, without making the view
  const t = transposedShape;
  t[0] = weight.shape[1]!;
  t[1] = weight.shape[0]!;
  checkLinearShapes('linearFused', x, t, weight.dtype, bias);
  return applyLinear(bias ? inputList(x, weight, bias) : inputList(x, weight), true);
}

/** The [out, in] shape linearInOutFused checks an [in, out] weight as. */
const transposedShape = [0, 0];
