/**
 * Large scratch matrices that live across calls, in the active kernels' memory: a convolution's
 * im2col matrix and its GEMM output, which the WebAssembly kernels then read and write in place
 * instead of copying tens of megabytes in and out on every call.
 * @module
 * @internal
 */
import { getKernels, type FloatArray, type FloatDType, type KernelSet } from '@tapegrad/core';

/** Buffers by kernel set, then by role and dtype. */
const buffers = new WeakMap<KernelSet, Map<string, FloatArray>>();

/**
 * A buffer of at least `length` elements of `dtype` from the active kernel set's `allocate`, the
 * same one every time for a `role` (grown when a call needs more; its contents are whatever the
 * last user left). A caller fills it and is done with it before it returns: two roles are two
 * buffers, but one role must not be used by two computations at once. The buffers are kept for the
 * life of the kernel set.
 * @internal
 */
export function kernelScratch(role: string, dtype: FloatDType, length: number): FloatArray {
  const kernels = getKernels();
  let byRole = buffers.get(kernels);
  if (byRole === undefined) buffers.set(kernels, (byRole = new Map()));
  const key = `${role} ${dtype}`;
  let buffer = byRole.get(key);
  if (buffer === undefined || buffer.length < length) {
    // grow by at least a quarter, so a slowly growing size does not reallocate on every call
    buffer = kernels.allocate(dtype, Math.max(length, Math.ceil((buffer?.length ?? 0) * 1.25)));
    byRole.set(key, buffer);
  }
  return buffer;
}
