/**
 * ndarray layout helpers: contiguity, materialising strided views, broadcast views by zero strides.
 * @module
 * @internal
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { allocate, wasPooled } from '../allocator.js';
import { dtypeOfArray, type DType, type NdArray, type TypedArray } from '../dtype.js';
import { contiguousStrides, shapeTable, sizeOf } from '../shape.js';

/** The dtype of an ndarray's typed array. */
export function dtypeOf(x: NdArray): DType {
  const dtype = dtypeOfArray(x.data);
  if (dtype === undefined) throw new TypeError('tapegrad: ndarray data must be a Float32Array, Float64Array, Int32Array or Uint8Array');
  return dtype;
}

/** ndarray's class of views of one rank over one kind of typed array (rank 0: called with the array and the offset only). */
type ViewClass = new (data: TypedArray, ...shapeStridesOffset: number[]) => NdArray;

/** The view classes by typed-array class, then by rank (0 to 4), each taken from a first view made by `ndarray`. */
const viewClasses = new Map<unknown, ViewClass[]>();

function viewClass(data: TypedArray, rank: number): ViewClass {
  let byRank = viewClasses.get(data.constructor);
  if (byRank === undefined) viewClasses.set(data.constructor, (byRank = []));
  return (byRank[rank] ??= ndarray(data, new Array<number>(rank).fill(0), new Array<number>(rank).fill(0), 0).constructor as ViewClass);
}

/**
 * An ndarray view of `data`, as `ndarray(data, shape, stride, offset)` makes it. The function
 * `ndarray` finds the view class from the typed array's `Object.prototype.toString` name, a new
 * string per view; for ranks 0 to 4 the class is looked up by the array's constructor and called with
 * the arguments `ndarray` passes it (data, each dim's size, each dim's stride, offset; layout.test.ts
 * checks that both give the same view; rank 0 too). The view copies the shape and strides into arrays of its own,
 * so they may be the caller's or a scratch array: a view costs no arrays but its own.
 */
function view(data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number): NdArray {
  switch (shape.length) {
    // (a 0-d view's class takes the array and the offset; its shape and strides are its prototype's `[]`)
    case 0: return new (viewClass(data, 0) as unknown as new (data: TypedArray, offset: number) => NdArray)(data, offset);
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
/** The strides of broadcast views, by rank. */
const broadcastStrides = shapeTable();

/**
 * The last view made for each array by {@link createNd} or noted by {@link spareView}, by array. An
 * array in the allocator's pool is dead, and so is every view of it: when the pool hands the array
 * out again for the same shape, `createNd` returns that view instead of making an equal one. An
 * entry is never deleted (deletes make a WeakMap rebuild its table): it is checked when used, and
 * replaced when its array gets another view; it dies with its array.
 */
const spareViews = new WeakMap<TypedArray, NdArray>();

/**
 * Notes that `x` is dead along with its array, which the tape is giving back to the allocator: when
 * the pool hands that array out again for an ndarray of `x`'s shape, {@link createNd} returns `x`
 * itself instead of making a view equal to it, provided `x` still views that array in the layout
 * `createNd` makes (offset 0, contiguous strides; checked then, as something may have changed
 * `x.data` in between, as optim's buffers do to a new view). Views of arrays are not changed after
 * they are made, so a reused view is indistinguishable from a new one but for its identity, and
 * whatever still holds `x` holds a view of an array that was given back (dead, as the array is).
 * (`createNd` notes its own views as it makes them: this is for views made otherwise.) @internal
 */
export function spareView(x: NdArray): void {
  spareViews.set(x.data, x);
}

/** Whether `x` is laid out as `createNd(…, shape)` lays out its views: that shape, contiguous strides, offset 0. */
function hasCreatedLayout(x: NdArray, shape: readonly number[]): boolean {
  if (x.offset !== 0 || x.shape.length !== shape.length) return false;
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== shape[i] || x.stride[i] !== stride) return false;
    stride *= shape[i]!;
  }
  return true;
}

/** A new zero-filled contiguous ndarray (`zeroed` false: of unspecified values, all to be written by the caller). */
export function createNd(dtype: DType, shape: readonly number[], zeroed = true): NdArray {
  const data = allocate(dtype, sizeOf(shape), zeroed);
  // an array from the pool may come with its last view, dead with it (see spareView)
  const spare = spareViews.get(data);
  if (spare !== undefined && spare.data === data && hasCreatedLayout(spare, shape)) return spare;
  const made = view(data, shape, contiguousStrides(shape, scratchStrides), 0);
  // whoever gives the array back (the tape, recyclingArrays, giveBackArrays) gives this view with it.
  // A new array's view is noted once it comes back (giveBackNd notes the view it gives, createNd
  // the one it makes of a pooled array): an array its user keeps (a step's logits and loss) makes
  // no entry, as each entry of a WeakMap grows its table.
  if (spare !== undefined || wasPooled(data)) spareViews.set(data, made);
  return made;
}

/** Wraps a flat typed array as a contiguous ndarray of `shape` (no copy). */
export function wrapNd(data: TypedArray, shape: readonly number[], offset = 0): NdArray {
  return view(data, shape, contiguousStrides(shape, scratchStrides), offset);
}

/**
 * The last permuted view made of each view, by that view: a parameter's `W.T` is taken of the same
 * view every step, and a gradient's view comes back with its array (see {@link spareView}).
 */
const permutedViews = new WeakMap<NdArray, NdArray>();

/**
 * `x` with its dims reordered by `dims` (output dim i is x's dim `dims[i]`), a view of its array:
 * the one made last for `x` when it still has that layout (views do not change), else a new one.
 */
export function permutedView(x: NdArray, dims: readonly number[]): NdArray {
  const last = permutedViews.get(x);
  if (last !== undefined && last.data === x.data && last.offset === x.offset && last.shape.length === dims.length) {
    let same = true;
    for (let i = 0; i < dims.length; i++) {
      if (last.shape[i] !== x.shape[dims[i]!] || last.stride[i] !== x.stride[dims[i]!]) same = false;
    }
    if (same) return last;
  }
  const made = x.transpose(...dims);
  permutedViews.set(x, made);
  return made;
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
  const stride = broadcastStrides(rank).fill(0); // (the view copies it)
  for (let i = 0; i < x.shape.length; i++) {
    stride[lead + i] = x.shape[i] === 1 ? 0 : x.stride[i]!;
  }
  return view(x.data, shape, stride, x.offset);
}

/** A contiguous copy of `x` broadcast to `shape`. */
export function expandNd(x: NdArray, shape: readonly number[]): NdArray {
  const out = createNd(dtypeOf(x), shape, false); // assign writes every element
  const size = sizeOf(shape);
  // one value (a full reduction's gradient) is a fill, without the view and the strided assign
  if (sizeOf(x.shape) === 1) out.data.fill(x.data[x.offset]!, 0, size);
  else if (size > 0) ops.assign(out, broadcastView(x, shape));
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
