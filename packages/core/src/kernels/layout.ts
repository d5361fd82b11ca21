/**
 * ndarray layout helpers: contiguity, materialising strided views, broadcast views by zero strides.
 * @module
 * @internal
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { allocate } from '../allocator.js';
import { dtypeOfArray, type DType, type NdArray, type TypedArray } from '../dtype.js';
import { contiguousStrides, sizeOf } from '../shape.js';

/** The dtype of an ndarray's typed array. */
export function dtypeOf(x: NdArray): DType {
  const dtype = dtypeOfArray(x.data);
  if (dtype === undefined) throw new TypeError('tapegrad: ndarray data must be a Float32Array, Float64Array, Int32Array or Uint8Array');
  return dtype;
}

/** A new zero-filled contiguous ndarray (`zeroed` false: of unspecified values, all to be written by the caller). */
export function createNd(dtype: DType, shape: readonly number[], zeroed = true): NdArray {
  return ndarray(allocate(dtype, sizeOf(shape), zeroed), [...shape], contiguousStrides(shape), 0) as NdArray;
}

/** Wraps a flat typed array as a contiguous ndarray of `shape` (no copy). */
export function wrapNd(data: TypedArray, shape: readonly number[], offset = 0): NdArray {
  return ndarray(data, [...shape], contiguousStrides(shape), offset) as NdArray;
}

/** Whether `x` is laid out row-major without gaps (dims of size 1 may have any stride). */
export function isContiguous(x: NdArray): boolean {
  let expected = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    const d = x.shape[i]!;
    if (d !== 1 && x.stride[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** `x` itself when contiguous, else a contiguous copy (ndarray-ops handles the strided read). */
export function toContiguous(x: NdArray): NdArray {
  if (isContiguous(x)) return x;
  const out = createNd(dtypeOf(x), x.shape, false); // assign writes every element
  ops.assign(out, x);
  return out;
}

/** A contiguous copy of `x` that owns its data. */
export function copyNd(x: NdArray): NdArray {
  if (isContiguous(x)) {
    const size = sizeOf(x.shape);
    const out = allocate(dtypeOf(x), size, false); // set writes every element
    out.set(x.data.subarray(x.offset, x.offset + size));
    return wrapNd(out, x.shape);
  }
  return toContiguous(x);
}

/** A contiguous view of `x` with a new shape of the same size (copies first when `x` is strided). */
export function reshapeNd(x: NdArray, shape: readonly number[]): NdArray {
  const c = toContiguous(x);
  return wrapNd(c.data, shape, c.offset);
}

/** A read-only view of `x` broadcast to `shape` by zero strides (numpy rules; shapes already checked). */
export function broadcastView(x: NdArray, shape: readonly number[]): NdArray {
  const rank = shape.length;
  const lead = rank - x.shape.length;
  const stride = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.shape.length; i++) {
    stride[lead + i] = x.shape[i] === 1 ? 0 : x.stride[i]!;
  }
  return ndarray(x.data, [...shape], stride, x.offset) as NdArray;
}

/** A contiguous copy of `x` broadcast to `shape`. */
export function expandNd(x: NdArray, shape: readonly number[]): NdArray {
  const out = createNd(dtypeOf(x), shape, false); // assign writes every element
  if (sizeOf(shape) > 0) ops.assign(out, broadcastView(x, shape));
  return out;
}

/** A contiguous copy of `x` converted to `dtype`. */
export function castNd(x: NdArray, dtype: DType): NdArray {
  const out = createNd(dtype, x.shape, false); // assign writes every element
  if (sizeOf(x.shape) > 0) ops.assign(out, x);
  return out;
}

/** Reads the flat, row-major values of `x` into a plain Float64Array (for printing, tests, toArray). */
export function toFloat64(x: NdArray): Float64Array {
  const c = toContiguous(x);
  const size = sizeOf(x.shape);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = c.data[c.offset + i]!;
  return out;
}
