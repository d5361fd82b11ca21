/**
 * Creating tensors: from numbers, nested arrays or typed arrays, and filled or spaced ones.
 * @module
 */
import { DtypeError, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { allocateLasting } from './allocator.js';
import { checkDType, dtypeOfArray, getDefaultDtype, type DType, type FloatDType, type TypedArray } from './dtype.js';
import { wrapNd } from './kernels/layout.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { fdlibmPow } from './math/fdlibmPow.js';

/**
 * Options of the creation functions.
 * @category Tensors
 */
export interface CreationOptions {
  /** The element type (default: the default dtype, float32 unless `setDefaultDtype` changed it). */
  dtype?: DType;
  /** Whether backward computes a gradient for the tensor (default false; floating dtypes only). */
  requiresGrad?: boolean;
}

/** Options of {@link tensor}. @category Tensors */
export interface TensorOptions extends CreationOptions {
  /** The shape to give a flat typed array (default: 1-D). */
  shape?: readonly number[];
}

function finish(data: TypedArray, shape: readonly number[], opts: CreationOptions): Tensor {
  return new Tensor(wrapNd(data, shape), { requiresGrad: opts.requiresGrad ?? false });
}

function dtypeFrom(op: string, opts: CreationOptions, fallback: DType = getDefaultDtype()): DType {
  return opts.dtype === undefined ? fallback : checkDType(op, opts.dtype);
}

/** Shape of a nested array, checking that it is rectangular and holds only numbers. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  const check = (value: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof value !== 'number') throw new TypeError(`tensor: elements must be numbers (got ${typeof value} at [${path.join(', ')}])`);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw new ShapeError(
        `tensor: nested arrays must be rectangular (got ${Array.isArray(value) ? `length ${value.length}` : 'a number'} at [${path.join(', ')}] where length ${shape[dim]} was expected)`,
      );
    }
    value.forEach((v, i) => check(v, dim + 1, [...path, i]));
  };
  check(data, 0, []);
  return shape;
}

/**
 * A new tensor holding a copy of `data`: a number (0-d), nested arrays (their shape), or a typed
 * array or a flat list of numbers (1-D, or `opts.shape`). The dtype is `opts.dtype`, else the typed array's, else the
 * default dtype.
 *
 * @param data - the values.
 * @param opts - `dtype`, `requiresGrad` (default false), `shape` (for typed arrays and flat lists).
 * @throws {@link ShapeError} for ragged nested arrays or a shape whose size differs from the data's.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
 * console.log(x.shape, x.dtype); // [2, 3] 'float64'
 * const y = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
 * console.log(y.toArray()); // [[1, 2], [3, 4]]
 * ```
 * @category Tensors
 */
export function tensor(data: number | NestedArray | TypedArray, opts: TensorOptions = {}): Tensor {
  const arrayDtype = dtypeOfArray(data);
  if (arrayDtype !== undefined) {
    const flat = data as TypedArray;
    const shape = opts.shape === undefined ? [flat.length] : checkShape('tensor', [...opts.shape]);
    if (sizeOf(shape) !== flat.length) {
      throw new ShapeError(`tensor: shape ${formatShape(shape)} holds ${sizeOf(shape)} elements (got ${flat.length} values)`);
    }
    const dtype = dtypeFrom('tensor', opts, arrayDtype);
    const copy = allocateLasting(dtype, flat.length);
    copy.set(flat);
    return finish(copy, shape, opts);
  }
  if (typeof data !== 'number' && !Array.isArray(data)) {
    throw new TypeError(`tensor: data must be a number, nested arrays or a typed array (got ${data === null ? 'null' : typeof data})`);
  }
  const dataShape = typeof data === 'number' ? [] : nestedShape(data);
  const shape = opts.shape === undefined ? dataShape : checkShape('tensor', [...opts.shape]);
  const flatList = dataShape.length === 1;
  if (opts.shape !== undefined && formatShape(shape) !== formatShape(dataShape) && !(flatList && sizeOf(shape) === dataShape[0])) {
    throw new ShapeError(
      `tensor: shape ${formatShape(shape)} must match the nested arrays' shape, or hold as many elements as a flat list (got data of shape ${formatShape(dataShape)})`,
    );
  }
  const values = allocateLasting(dtypeFrom('tensor', opts), sizeOf(shape));
  const flat = typeof data === 'number' ? [data] : (data as NestedArray[]).flat(Infinity as 1) as number[];
  values.set(flat);
  return finish(values, shape, opts);
}

/**
 * Wraps a typed array as a tensor without copying (PyTorch's `from_numpy`): changes to one show in
 * the other. The dtype is the array's.
 *
 * @param values - a Float32Array, Float64Array, Int32Array or Uint8Array.
 * @param shape - default `[values.length]`.
 * @throws {@link ShapeError} when the shape's size differs from the array's length.
 * @example
 * ```ts
 * import { fromArray } from '@tapegrad/core';
 * const pixels = new Uint8Array([0, 128, 255, 64]);
 * console.log(fromArray(pixels, [2, 2]).dtype); // 'uint8'
 * ```
 * @category Tensors
 */
export function fromArray(values: TypedArray, shape: readonly number[] = [values.length]): Tensor {
  if (dtypeOfArray(values) === undefined) {
    throw new DtypeError(`fromArray: values must be a Float32Array, Float64Array, Int32Array or Uint8Array (got ${Object.prototype.toString.call(values)})`);
  }
  checkShape('fromArray', [...shape]);
  if (sizeOf(shape) !== values.length) {
    throw new ShapeError(`fromArray: shape ${formatShape(shape)} holds ${sizeOf(shape)} elements (got ${values.length} values)`);
  }
  return new Tensor(wrapNd(values, shape));
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * import { full } from '@tapegrad/core';
 * console.log(full([2, 2], 7).toArray()); // [[7, 7], [7, 7]]
 * ```
 * @category Tensors
 */
export function full(shape: readonly number[], value: number, opts: CreationOptions = {}): Tensor {
  const checked = checkShape('full', [...shape]);
  const data = allocateLasting(dtypeFrom('full', opts), sizeOf(checked));
  if (value !== 0) data.fill(value);
  return finish(data, checked, opts);
}

/**
 * A tensor of `shape` filled with zeros.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * console.log(zeros([2, 3]).shape); // [2, 3]
 * ```
 * @category Tensors
 */
export function zeros(shape: readonly number[], opts: CreationOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/**
 * A tensor of `shape` filled with ones.
 *
 * @example
 * ```ts
 * import { ones } from '@tapegrad/core';
 * console.log(ones([3]).toArray()); // [1, 1, 1]
 * ```
 * @category Tensors
 */
export function ones(shape: readonly number[], opts: CreationOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/**
 * Zeros with the shape and dtype of `like`.
 *
 * @example
 * ```ts
 * import { zerosLike, ones } from '@tapegrad/core';
 * console.log(zerosLike(ones([2])).toArray()); // [0, 0]
 * ```
 * @category Tensors
 */
export function zerosLike(like: Tensor, opts: CreationOptions = {}): Tensor {
  return full(like.shape, 0, { dtype: like.dtype, ...opts });
}

/**
 * Ones with the shape and dtype of `like`.
 *
 * @example
 * ```ts
 * import { onesLike, zeros } from '@tapegrad/core';
 * console.log(onesLike(zeros([2])).toArray()); // [1, 1]
 * ```
 * @category Tensors
 */
export function onesLike(like: Tensor, opts: CreationOptions = {}): Tensor {
  return full(like.shape, 1, { dtype: like.dtype, ...opts });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`, like numpy's `arange`;
 * `arange(n)` counts 0..n-1.
 *
 * @throws {@link ShapeError} when `step` is 0 or not finite.
 * @example
 * ```ts
 * import { arange } from '@tapegrad/core';
 * console.log(arange(4).toArray(), arange(1, 2, 0.25).toArray()); // [0, 1, 2, 3] [1, 1.25, 1.5, 1.75]
 * ```
 * @category Tensors
 */
export function arange(start: number, end?: number, step = 1, opts: CreationOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(from) || !Number.isFinite(to)) {
    throw new ShapeError(`arange: start, end and step must be finite and step non-zero (got ${from}, ${to}, ${step})`);
  }
  const n = Math.max(0, Math.ceil((to - from) / step));
  const data = allocateLasting(dtypeFrom('arange', opts), n);
  for (let i = 0; i < n; i++) data[i] = from + i * step;
  return finish(data, [n], opts);
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (numpy's `linspace`).
 *
 * @example
 * ```ts
 * import { linspace } from '@tapegrad/core';
 * console.log(linspace(0, 1, 5).toArray()); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 * @category Tensors
 */
export function linspace(start: number, end: number, steps: number, opts: CreationOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ShapeError(`linspace: steps must be a non-negative integer (got ${steps})`);
  const data = allocateLasting(dtypeFrom('linspace', opts), steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = start + i * delta;
  if (steps > 1) data[steps - 1] = end;
  return finish(data, [steps], opts);
}

/**
 * `steps` values `base ** e` for `e` evenly spaced from `start` to `end` (numpy's `logspace`), as
 * the notebook's weight-scale sweep uses: `logspace(-4, 0, 20)`.
 *
 * @param opts - also `base` (default 10).
 * @example
 * ```ts
 * import { logspace } from '@tapegrad/core';
 * console.log(logspace(-2, 0, 3, { dtype: 'float64' }).toArray()); // [0.01, 0.1, 1]
 * ```
 * @category Tensors
 */
export function logspace(start: number, end: number, steps: number, opts: CreationOptions & { base?: number } = {}): Tensor {
  const exponents = linspace(start, end, steps, { dtype: 'float64' }).toFloat64Array();
  const base = opts.base ?? 10;
  const data = allocateLasting(dtypeFrom('logspace', opts), steps);
  for (let i = 0; i < steps; i++) data[i] = power(base, exponents[i]!);
  return finish(data, [steps], opts);
}

/**
 * `base ** e`, exact for negative integer exponents (V8's Math.pow(10, -4) is 1 ulp below 1e-4; numpy's
 * is not), and the same bits in every engine: through core's port of V8's fdlibm pow, not `Math.pow`,
 * whose last bit differs between engines (Chromium 156 and Node 20 disagree on 3 of logspace(-4, 0, 20)'s
 * values, which are the notebook's weight scales).
 */
function power(base: number, e: number): number {
  return Number.isInteger(e) && e < 0 ? 1 / fdlibmPow(base, -e) : fdlibmPow(base, e);
}

/**
 * The `n`×`n` identity matrix.
 *
 * @example
 * ```ts
 * import { eye } from '@tapegrad/core';
 * console.log(eye(2).toArray()); // [[1, 0], [0, 1]]
 * ```
 * @category Tensors
 */
export function eye(n: number, opts: CreationOptions = {}): Tensor {
  const t = zeros([n, n], opts);
  for (let i = 0; i < n; i++) t.data.data[i * n + i] = 1;
  return t;
}

/** Reads `opts.dtype` as a floating dtype, for creation functions that only make floats. @internal */
export function floatDtypeFrom(op: string, opts: CreationOptions): FloatDType {
  const dtype = dtypeFrom(op, opts);
  if (dtype !== 'float32' && dtype !== 'float64') throw new DtypeError(`${op}: dtype must be float32 or float64 (got ${dtype})`);
  return dtype;
}
