/**
 * Matrix products of 2-D ndarrays through the GEMM kernel. Transposed views are not copied: their
 * strides tell the kernel to read them transposed, so A·B, Aᵀ·B and A·Bᵀ all take the fast path.
 * @module
 * @internal
 */
import { gemm } from './gemm.js';
import { createNd, dtypeOf, toContiguous } from './layout.js';
import type { FloatArray, NdArray } from '../dtype.js';

interface GemmOperand {
  data: FloatArray;
  offset: number;
  ld: number;
  trans: boolean;
}

/** How gemm reads `x` (2-D) as op(x) = x, or xᵀ when `transpose`: row-major, column-major or copied; written into `into`. */
function asOperand(x: NdArray, transpose: boolean, into: GemmOperand): GemmOperand {
  const [rows, cols] = x.shape as [number, number];
  const [rowStride, colStride] = x.stride as [number, number];
  if ((colStride === 1 || cols === 1) && rowStride >= cols && rowStride > 0) {
    return fill(into, x.data as FloatArray, x.offset, rowStride, transpose);
  }
  if ((rowStride === 1 || rows === 1) && colStride >= rows && colStride > 0) {
    return fill(into, x.data as FloatArray, x.offset, colStride, !transpose);
  }
  const c = toContiguous(x);
  return fill(into, c.data as FloatArray, c.offset, Math.max(cols, 1), transpose);
}

function fill(o: GemmOperand, data: FloatArray, offset: number, ld: number, trans: boolean): GemmOperand {
  o.data = data;
  o.offset = offset;
  o.ld = ld;
  o.trans = trans;
  return o;
}

const NO_DATA = new Float32Array(0);
/** The two operands of the product being made: filled by matmulNd for its gemm call (instead of two new records per product), emptied after it. */
const operandA: GemmOperand = { data: NO_DATA, offset: 0, ld: 1, trans: false };
const operandB: GemmOperand = { data: NO_DATA, offset: 0, ld: 1, trans: false };

/** The [m, n] shape handed to `createNd` (its view copies it): one array for every product. */
const productShape = [0, 0];

/** op(a)·op(b) for 2-D float ndarrays of one dtype, where op transposes when its flag is set; a new [m, n] array. */
export function matmulNd(a: NdArray, transA: boolean, b: NdArray, transB: boolean): NdArray {
  const m = transA ? a.shape[1]! : a.shape[0]!;
  const k = transA ? a.shape[0]! : a.shape[1]!;
  const n = transB ? b.shape[0]! : b.shape[1]!;
  productShape[0] = m;
  productShape[1] = n;
  // gemm without accumulate writes every element of C (zeros when k is 0)
  const out = createNd(dtypeOf(a), productShape, false);
  if (m === 0 || n === 0) return out;
  const A = asOperand(a, transA, operandA);
  const B = asOperand(b, transB, operandB);
  gemm(A.trans, B.trans, m, n, k, A.data, A.offset, A.ld, B.data, B.offset, B.ld, out.data as FloatArray, 0, n, false);
  A.data = B.data = NO_DATA; // the records do not keep the arrays alive
  return out;
}
