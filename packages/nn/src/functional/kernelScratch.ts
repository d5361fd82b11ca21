/**
 * Large scratch matrices that live across calls, in the active kernels' memory: a convolution's
 * im2col matrix and its GEMM output, which the WebAssembly kernels then read and write in place
 * instead of copying tens of megabytes in and out on every call.
 * @module
 * @internal
 */
import { getKernels, type FloatArray, type FloatDType, type KernelSet } from '@tapegrad/core';

/** A buffer, and who last wrote something there that they may want to read back. */
interface Slot {
  buffer: FloatArray;
  holder: object | null;
}

/** Slots by kernel set, then by role and dtype. */
const slots = new WeakMap<KernelSet, Map<string, Slot>>();

function slotOf(role: string, dtype: FloatDType): Slot | undefined {
  return slots.get(getKernels())?.get(`${role} ${dtype}`);
}

/**
 * A buffer of at least `length` elements of `dtype` from the active kernel set's `allocate`, the
 * same one every time for a `role` (grown when a call needs more; its contents are whatever the
 * last user left). A caller fills it and is done with it before it returns, unless it names itself
 * as the `holder` of what it wrote: then {@link heldScratch} gives the buffer back to it as long as
 * no later call took the role. Two roles are two buffers. The buffers are kept for the life of the
 * kernel set.
 * @internal
 */
export function kernelScratch(role: string, dtype: FloatDType, length: number, holder: object | null = null): FloatArray {
  const kernels = getKernels();
  let byRole = slots.get(kernels);
  if (byRole === undefined) slots.set(kernels, (byRole = new Map()));
  const key = `${role} ${dtype}`;
  let slot = byRole.get(key);
  if (slot === undefined || slot.buffer.length < length) {
    // grow by at least a quarter, so a slowly growing size does not reallocate on every call
    const buffer = kernels.allocate(dtype, Math.max(length, Math.ceil((slot?.buffer.length ?? 0) * 1.25)));
    byRole.set(key, (slot = { buffer, holder: null }));
  }
  slot.holder = holder;
  return slot.buffer;
}

/**
 * The buffer of `role` if `holder` was the last to take it (what it wrote there is intact), else
 * null. @internal
 */
export function heldScratch(role: string, dtype: FloatDType, holder: object): FloatArray | null {
  const slot = slotOf(role, dtype);
  return slot !== undefined && slot.holder === holder ? slot.buffer : null;
}
