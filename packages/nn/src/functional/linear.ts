/**
 * The affine map y = x·Wᵀ + b in its two forms: composed from core ops (the tape derives the
 * gradient) and fused (one tape node with a handwritten backward).
 * @module
 */
import {
  DtypeError, ShapeError, Tensor, checkFloatTensor, contiguousNdArray, createNdArray, defineOp, formatShape, getKernels, matmul,
  type FloatArray, type NdArray,
} from '@tapegrad/core';

/** Checks the operands of a linear map and names `op` in the error. @internal */
export function checkLinearOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  checkFloatTensor(op, x, 'x');
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor (got ${weight === null ? 'null' : typeof weight})`);
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null (got ${typeof bias})`);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: expected weight [outFeatures, inFeatures] (got ${formatShape(weight.shape)})`);
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  if (x.ndim !== 2 || x.shape[1] !== inFeatures) throw new ShapeError(`${op}: expected x [N, ${inFeatures}] (got ${formatShape(x.shape)})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) throw new ShapeError(`${op}: expected bias [${outFeatures}] (got ${formatShape(bias.shape)})`);
  if (weight.dtype !== x.dtype) throw new DtypeError(`${op}: weight must have x's dtype ${x.dtype} (got ${weight.dtype})`);
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
 * y = x·Wᵀ + b as one node; dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy. Operands keep their strides (the
 * GEMM reads a transposed weight in place), and dW is computed in the weight's own layout: for a
 * weight that is `W.T` of a contiguous W, as (xᵀ·dy)ᵀ, so that the gradient reaching W is contiguous.
 */
const linearOp = defineOp({
  name: 'linearFused',
  contiguous: false,
  forward(ctx, x: NdArray, w: NdArray, b: NdArray | undefined) {
    ctx.save(x, w);
    // transposed views taken of the ndarrays (w.transpose(1, 0) is what Tensor.T's view is), not
    // through Tensor.T, which records a permute op for each: nothing here is on the tape
    const y = matmul(new Tensor(x), new Tensor(w.transpose(1, 0))).data;
    if (b !== undefined) {
      const [n, m] = y.shape as [number, number];
      const bias = contiguousNdArray(b);
      getKernels().addRowVector(n, m, y.data as FloatArray, y.offset, bias.data as FloatArray, bias.offset);
    }
    return y;
  },
  backward(ctx, dy) {
    const [x, w] = ctx.saved as [NdArray, NdArray];
    const g = new Tensor(dy);
    const dx = ctx.needsGrad[0] ? matmul(g, new Tensor(w)).data : null;
    let dw: NdArray | null = null;
    if (ctx.needsGrad[1]) {
      dw = isTransposedContiguous(w)
        ? matmul(new Tensor(x.transpose(1, 0)), g).data.transpose(1, 0)
        : matmul(new Tensor(dy.transpose(1, 0)), new Tensor(x)).data;
    }
    if (ctx.inputShapes.length === 2) return [dx, dw];
    return [dx, dw, ctx.needsGrad[2] ? sumRows(dy) : null];
  },
});

/** Σ over the rows of an [n, m] ndarray: an [m] ndarray. */
function sumRows(dy: NdArray): NdArray {
  const [n, m] = dy.shape as [number, number];
  const c = contiguousNdArray(dy);
  const db = createNdArray(dy.dtype as 'float32' | 'float64', [m]);
  const acc = new Float64Array(m);
  getKernels().sumRows(n, m, c.data as FloatArray, c.offset, acc);
  db.data.set(acc);
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
  return bias ? linearOp(x, weight, bias) : linearOp(x, weight);
}
