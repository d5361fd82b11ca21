/**
 * Element types of tensors, the arrays that hold them (typed arrays, and the ndarray views over
 * them that tensors, ops and kernels pass around), and the default floating dtype.
 * @module
 */
import type ndarray from 'ndarray';
import { DtypeError } from './errors.js';

/**
 * A floating element type: what gradients flow through.
 *
 * @example
 * ```ts
 * import { randn, type FloatDType } from '@tapegrad/core';
 * const dtype: FloatDType = 'float64';
 * const w = randn([2, 2], { dtype, requiresGrad: true });
 * console.log(w.dtype, w.requiresGrad); // 'float64' true
 * ```
 * @category Tensors
 */
export type FloatDType = 'float32' | 'float64';
/**
 * An integer element type, for labels and indices (`int32`) and raw pixels (`uint8`).
 * Integer tensors hold data; they cannot require grad.
 *
 * @example
 * ```ts
 * import { tensor, type IntDType } from '@tapegrad/core';
 * const dtype: IntDType = 'int32';
 * const labels = tensor([3, 0, 9], { dtype });
 * console.log(labels.dtype, labels.toArray()); // 'int32' [3, 0, 9]
 * ```
 * @category Tensors
 */
export type IntDType = 'int32' | 'uint8';
/**
 * Every element type a tensor can hold.
 *
 * @example
 * ```ts
 * import { zeros, type DType } from '@tapegrad/core';
 * const bytes = (dtype: DType) => zeros([10], { dtype }).data.data.byteLength;
 * console.log(bytes('float32'), bytes('float64'), bytes('int32'), bytes('uint8')); // 40 80 40 10
 * ```
 * @category Tensors
 */
export type DType = FloatDType | IntDType;

/**
 * The typed array behind each dtype.
 *
 * @example
 * ```ts
 * import { fromArray, type TypedArrayOf } from '@tapegrad/core';
 * const pixels: TypedArrayOf['uint8'] = new Uint8Array([0, 128, 255]); // a Uint8Array
 * console.log(fromArray(pixels).dtype); // 'uint8'
 * ```
 * @category Tensors
 */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint8: Uint8Array;
}
/**
 * Any typed array a tensor can sit on.
 *
 * @example
 * ```ts
 * import { fromArray, type TypedArray } from '@tapegrad/core';
 * const arrays: TypedArray[] = [new Float32Array(2), new Float64Array(2), new Int32Array(2), new Uint8Array(2)];
 * console.log(arrays.map((a) => fromArray(a).dtype)); // ['float32', 'float64', 'int32', 'uint8']
 * ```
 * @category Tensors
 */
export type TypedArray = TypedArrayOf[DType];
/**
 * A floating typed array: Float32Array or Float64Array.
 *
 * @example
 * ```ts
 * import { fromArray, type FloatArray } from '@tapegrad/core';
 * function meanOf(values: FloatArray): number {
 *   return fromArray(values).mean().item();
 * }
 * console.log(meanOf(new Float32Array([1, 2])), meanOf(new Float64Array([1, 2, 6]))); // 1.5 3
 * ```
 * @category Tensors
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * The ndarray view a tensor holds (`Tensor.data`), and what ops and kernels take and return: an
 * `ndarray` (shape, strides, offset) over a Float32Array, Float64Array, Int32Array or Uint8Array.
 *
 * @example
 * ```ts
 * import { tensor, type NdArray } from '@tapegrad/core';
 * const view: NdArray = tensor([[1, 2], [3, 4]]).T.data; // a transposed view: no copy
 * console.log(view.shape, view.stride, view.get(0, 1)); // [2, 2] [1, 2] 3
 * ```
 * @category Tensors
 */
export type NdArray = ndarray.NdArray<TypedArray>;

/** The dtype whose typed array `data` is, or undefined when it is none of them. @internal */
export function dtypeOfArray(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** Whether `dtype` is a floating dtype. @internal */
export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

/** Checks that `value` names a dtype, for options that came from untyped code. @internal */
export function checkDType(where: string, value: unknown): DType {
  if (value === 'float32' || value === 'float64' || value === 'int32' || value === 'uint8') return value;
  throw new DtypeError(`${where}: dtype must be 'float32', 'float64', 'int32' or 'uint8' (got ${String(value)})`);
}

let defaultDtype: FloatDType = 'float32';

/**
 * Sets the dtype that creation functions use when none is given (float32 at start, as in PyTorch).
 *
 * @param dtype - `'float32'` or `'float64'`.
 * @throws {@link DtypeError} when `dtype` is not a floating dtype.
 * @example
 * ```ts
 * import { setDefaultDtype, getDefaultDtype, zeros } from '@tapegrad/core';
 * setDefaultDtype('float64');
 * console.log(zeros([2]).dtype); // 'float64'
 * setDefaultDtype('float32');
 * console.log(getDefaultDtype()); // 'float32'
 * ```
 * @category Tensors
 */
export function setDefaultDtype(dtype: FloatDType): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DtypeError(`setDefaultDtype: expected 'float32' or 'float64' (got ${String(dtype)})`);
  }
  defaultDtype = dtype;
}

/**
 * The dtype creation functions use when none is given.
 *
 * @example
 * ```ts
 * import { getDefaultDtype } from '@tapegrad/core';
 * console.log(getDefaultDtype()); // 'float32' unless setDefaultDtype changed it
 * ```
 * @category Tensors
 */
export function getDefaultDtype(): FloatDType {
  return defaultDtype;
}
