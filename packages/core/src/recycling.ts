/**
 * Scopes whose temporaries' arrays are reused: see {@link recyclingArrays}.
 * @module
 */
import { givePooled } from './arrayPool.js';
import { dtypeOfArray, scopeAllocations, type TypedArray } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Runs `fn`, then gives every array that ops allocated while it ran back to the allocator for reuse,
 * except the arrays of the tensors `keep(result)` lists: tapegrad's answer to allocation costs in
 * tight loops (a small training step makes dozens of arrays, and a fresh typed array costs
 * microseconds). Only for code that knows what it made is dead once it returns, such as a model's
 * loss step: its activations, saved values and intermediate gradients. A tensor made inside and
 * used afterwards without being kept reads whatever later ops write there. In nested scopes the
 * outermost one gives back. Arrays come back zero-filled; the pool holds at most 64 MB.
 *
 * @example
 * ```ts
 * import { randn, recyclingArrays } from '@tapegrad/core';
 * const w = randn([3, 4], { requiresGrad: true }), x = randn([2, 3]);
 * const loss = recyclingArrays(() => {
 *   const out = x.matmul(w).relu().sum(); // the product and the ReLU are dead after backward
 *   out.backward();
 *   return out.item();
 * }, () => [w.grad!]);
 * console.log(typeof loss, w.grad!.shape); // 'number' [3, 4]
 * ```
 * @category Autograd
 */
export function recyclingArrays<T>(fn: () => T, keep: (result: T) => Iterable<Tensor>): T {
  const made = new Set<TypedArray>();
  const outer = scopeAllocations(made);
  let result: T;
  try {
    result = fn();
  } finally {
    scopeAllocations(outer);
  }
  if (outer !== null) {
    // the outermost scope gives back (it knows what it keeps)
    for (const array of made) outer.add(array);
    return result;
  }
  for (const t of keep(result)) made.delete(t.data.data);
  for (const array of made) givePooled(dtypeOfArray(array)!, array);
  return result;
}

