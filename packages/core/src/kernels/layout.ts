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

/** ndarray's class of views of one rank over one kind of typed array. */
type ViewClass = new (data: TypedArray, ...shapeStridesOffset: number[]) => NdArray;

/** The view classes by typed-array class, then by rank (1 to 4), each taken from a first view made by `ndarray`. */
const viewClasses = new Map<unknown, ViewClass[]>();

function viewClass(data: TypedArray, rank: number): ViewClass {
  let byRank = viewClasses.get(data.constructor);
  if (byRank === undefined) viewClasses.set(data.constructor, (byRank = []));
  return (byRank[rank] ??= ndarray(data, new Array<number>(rank).fill(0), new Array<number>(rank).fill(0), 0).constructor as ViewClass);
}

/**
 * An ndarray view of `data`, as `ndarray(data, shape, stride, offset)` makes it. The function
 * `ndarray` finds the view class from the typed array's `Object.prototype.toString` name, a new
 * string per view; for ranks 1 to 4 the class is looked up by the array's constructor and called with
 * the arguments `ndarray` passes it (data, each dim's size, each dim's stride, offset; layout.test.ts
 * checks that both give the same view). The view copies the shape and strides into arrays of its own,
 * so they may be the caller's or a scratch array: a view costs no arrays but its own.
 */
function view(data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number): NdArray {
  switch (shape.length) {
    case 1: return new (viewClass(data, 1))(data, shape[0]!, stride[0]!, offset);
    case 2: return new (viewClass(data, 2))(data, shape[0]!, shape[1]!, stride[0]!, stride[1]!, offset);
    case 3: return new (viewClass(data, 3))(data, shape[0]!, shape[1]!, shape[2]!, stride[0]!, stride[1]!, stride[2]!, offset);
    case 4: {
      const View = viewClass(data, 4);
      return new View(data, shape[0]!, shape[1]!, shape[2]!, shape[3]!, stride[0]!, stride[1]!, stride[2]!, stride[3]!, offset);
    }
    default: return ndarray(data, shape as number[], stride as number[], offset) as NdArray;
  }
}

/** The strides handed to `view` for a contiguous layout (it copies them): one array for every call. */
const scratchStrides: number[] = [];

/** A new zero-filled contiguous ndarray (`zeroed` false: of unspecified values, all to be written by the caller). */
export function createNd(dtype: DType, shape: readonly number[], zeroed = true): NdArray {
  return view(allocate(dtype, sizeOf(shape), zeroed), shape, contiguousStrides(shape, scratchStrides), 0);
}

/** Wraps a flat typed array as a contiguous ndarray of `shape` (no copy). */
export function wrapNd(data: TypedArray, shape: readonly number[], offset = 0): NdArray {
  return view(data, shape, contiguousStrides(shape, scratchStrides), offset);
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

/**
 * `x` with a new shape of the same size: a view when strides can read `x`'s elements in that shape
 * (always when `x` is contiguous; see {@link viewStrides}), else a contiguous copy of `x`'s elements.
 * A view of a strided `x` is strided too: callers hand it to code that reads strides (the kernels
 * make what they need contiguous themselves).
 */
export function reshapeNd(x: NdArray, shape: readonly number[]): NdArray {
  if (isContiguous(x)) return wrapNd(x.data, shape, x.offset);
  const stride = viewStrides(x.shape, x.stride, shape);
  if (stride !== null) return view(x.data, shape, stride, x.offset);
  const c = toContiguous(x);
  return wrapNd(c.data, shape, c.offset);
}

/**
 * The strides that read an array of `shape`, `stride` in row-major order as one of `newShape` (the
 * same size), or null when none can (PyTorch's rule for `view`, ATen's `computeStride`): the dims
 * fall into runs laid out one after the other in memory (dim d-1's stride is dim d's stride times
 * its size), and `newShape` must split each run into dims of its own; dims of size 1 come and go
 * freely. An empty array takes contiguous strides.
 */
export function viewStrides(shape: readonly number[], stride: readonly number[], newShape: readonly number[]): number[] | null {
  const out = new Array<number>(newShape.length);
  if (shape.length === 0 || sizeOf(shape) === 0) return contiguousStrides(newShape, out);
  let v = newShape.length - 1;
  let base = stride[shape.length - 1]!; // the stride of the run's innermost dim
  let runSize = 1, viewSize = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    runSize *= shape[d]!;
    // the run ends at d when d is the first dim, or dim d-1 is not laid out right before it
    if (d === 0 || (shape[d - 1] !== 1 && stride[d - 1] !== runSize * base)) {
      while (v >= 0 && (viewSize < runSize || newShape[v] === 1)) {
        out[v] = viewSize * base;
        viewSize *= newShape[v]!;
        v--;
      }
      if (viewSize !== runSize) return null;
      if (d > 0) {
        base = stride[d - 1]!;
        runSize = viewSize = 1;
      }
    }
  }
  return v === -1 ? out : null;
}

/** A read-only view of `x` broadcast to `shape` by zero strides (numpy rules; shapes already checked). */
export function broadcastView(x: NdArray, shape: readonly number[]): NdArray {
  const rank = shape.length;
  const lead = rank - x.shape.length;
  const stride = new Array<number>(rank).fill(0);
  for (let i = 0; i < x.shape.length; i++) {
    stride[lead + i] = x.shape[i] === 1 ? 0 : x.stride[i]!;
  }
  return view(x.data, shape, stride, x.offset);
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
