/**
 * State buffers and flat access to parameters. Parameters are contiguous, so an update is one flat
 * loop over `data.data` from `data.offset`; buffers are allocated once, with their parameter's
 * shape and dtype, and updated in place after that.
 * @module
 * @internal
 */
import {
  ShapeError, Tensor, contiguousNdArray, createNdArray, formatShape, getKernels, sameShape, type FloatArray, type FloatDType, type NdArray,
} from '@tapegrad/core';

/**
 * A zero-filled, contiguous buffer with `like`'s shape and dtype, cut from any graph, allocated by
 * the active kernels (for the WebAssembly kernels, in their memory, so updates read it in place).
 */
export function zerosBuffer(like: Tensor): Tensor {
  const nd = createNdArray(like.dtype, like.shape);
  if (like.dtype !== 'float32' && like.dtype !== 'float64') return new Tensor(nd);
  nd.data = getKernels().allocate(like.dtype, like.size);
  return new Tensor(nd);
}

/** A contiguous copy of `t`'s values as `dtype` (converting when the dtypes differ), cut from any graph. */
export function copyAs(t: Tensor, dtype: FloatDType): Tensor {
  const out = createNdArray(dtype, t.shape);
  const src = contiguousNdArray(t.data);
  const n = t.size;
  const o = out.data as FloatArray;
  const s = src.data;
  for (let i = 0; i < n; i++) o[i] = s[src.offset + i]!;
  return new Tensor(out);
}

/** The values of a float parameter or buffer as a flat array (index from `.data.offset`). */
export function floats(t: Tensor): FloatArray {
  return t.data.data as FloatArray;
}

/**
 * `g`'s ndarray, contiguous and checked against `like`'s shape: a gradient or a cs231n `dw`.
 * Only a strided `g` (which the tape never produces) is copied.
 * @throws `ShapeError` when the shapes differ.
 */
export function flatGradient(owner: string, what: string, g: Tensor, like: Tensor): NdArray {
  if (!sameShape(g.shape, like.shape)) {
    throw new ShapeError(`${owner}: ${what} must have the shape ${formatShape(like.shape)} (got ${formatShape(g.shape)})`);
  }
  return g.isContiguous() ? g.data : contiguousNdArray(g.data);
}
