/**
 * Reusing arrays that code knows are dead: scopes whose temporaries are given back
 * ({@link recyclingArrays}), and arrays given back one by one ({@link giveBackArrays}).
 * @module
 */
import { AllocationLog, givePooled, scopeAllocations } from './allocator.js';
import { describeValue } from './checks.js';
import { dtypeOfArray, type TypedArray } from './dtype.js';
import { Tensor } from './tensor.js';
import { closeTensorReuse, openTensorReuse } from './tensorReuse.js';

/**
 * Runs `fn`, then gives every array that ops allocated while it ran back to the allocator for reuse,
 * except the arrays of the tensors `keep(result)` lists: tapegrad's answer to allocation costs in
 * tight loops (a small training step makes dozens of arrays, and a fresh typed array costs
 * microseconds). Only for code that knows what it made is dead once it returns, such as a model's
 * loss step: its activations, saved values and intermediate gradients (the `step()` of optim's
 * optimizers may run inside too: their state is not made by ops, so the scope never gives it
 * back). A tensor that ops or backward made inside and `keep` does not list is released when the
 * scope returns: reading it throws a GraphError. The next call makes its tensors and tape nodes in
 * those objects, position by position in the call's order (where the last call's tensor is
 * released: a gradient given back by `releaseGrad` or `giveBackArrays` too), so a step run in a
 * scope makes none of its own once warm; a reference kept to a released tensor may thus show a
 * later call's tensor. In nested scopes the outermost one gives back and releases. Arrays come back
 * zero-filled; the pool holds at most 64 MB.
 *
 * @example
 * ```ts
 * import { randn, recyclingArrays } from '@tapegrad/core';
 * const w = randn([3, 4], { requiresGrad: true }), x = randn([2, 3]);
 * let h = x;
 * const loss = recyclingArrays(() => {
 *   h = x.matmul(w); // the product and the ReLU are dead after backward
 *   const out = h.relu().sum();
 *   out.backward();
 *   return out.item();
 * }, () => [w.grad!]);
 * console.log(typeof loss, w.grad!.shape, h.isReleased); // 'number' [3, 4] true
 * ```
 * @category Autograd
 */
export function recyclingArrays<T>(fn: () => T, keep: (result: T) => Iterable<Tensor>): T {
  if (typeof fn !== 'function' || typeof keep !== 'function') {
    throw new TypeError(`recyclingArrays: fn and keep must be functions (got ${typeof fn} and ${typeof keep})`);
  }
  // what the scope makes goes into its depth's list, kept from call to call (a Set made per call grew
  // a table of a hundred entries every training step); an array may be in it twice (made, given back,
  // made again): the pool takes it once
  const made = (scopes[depth] ??= new AllocationLog());
  const kept = (keptBy[depth] ??= new AllocationLog());
  const outermost = depth === 0;
  depth++;
  let keptTensors: (Tensor | null)[] | null = null;
  try {
    if (outermost) openTensorReuse();
    const outer = scopeAllocations(made);
    let result: T;
    try {
      result = fn();
    } finally {
      scopeAllocations(outer);
    }
    if (outer !== null) {
      // the outermost scope gives back (it knows what it keeps)
      for (let k = 0; k < made.size; k++) outer.add(made.get(k));
      return result;
    }
    keptTensors = keptList;
    for (const t of keep(result)) {
      // a wrong keep list gives nothing back
      if (!(t instanceof Tensor)) {
        keptTensors = null;
        throw new TypeError(`recyclingArrays: keep must list tensors (got ${describeValue(t)})`);
      }
      kept.add(t.data.data);
      keptList[keptCount++] = t;
    }
    for (let k = 0; k < made.size; k++) {
      const array = made.get(k);
      if (!kept.has(array)) givePooled(dtypeOfArray(array)!, array);
    }
    return result;
  } finally {
    // the tensors the call made and does not keep are dead: released, for the next call to reuse
    if (outermost) closeTensorReuse(keptTensors, keptCount);
    keptList.fill(null, 0, keptCount);
    keptCount = 0;
    made.clear();
    kept.clear();
    depth--;
  }
}

/**
 * The tensors the outermost scope's `keep` lists, the first `keptCount`: refilled by each call and
 * emptied after it, keeping its storage (`length = 0` would drop it, and every call grew a new one).
 */
const keptList: (Tensor | null)[] = [];
let keptCount = 0;

/** Per nesting depth of {@link recyclingArrays} (calls run inside `fn` or `keep` take the next): what it made, what it keeps. */
const scopes: AllocationLog[] = [];
const keptBy: AllocationLog[] = [];
let depth = 0;

/**
 * Gives the arrays of `tensors` back to the allocator for reuse, for code that knows nothing reads
 * them any more: a training loop's gradients once the optimizer has applied them (the Solver has
 * `FullyConnectedNet.releaseGrads` do this after each step). A large plain float array is replaced
 * in the pool by one of its size in the kernels' memory, so the product that next allocates it (a
 * weight gradient) and the update that reads it work in place; an array in the kernels' memory that
 * the pool did not make (a `getKernels().allocate` buffer, or a view of part of one) is not taken,
 * since its block is its owner's to free. A tensor given back is released:
 * reading its values afterwards throws a GraphError. What goes back is the whole array behind each
 * tensor, so a view of it (a reshape, a transpose, a slice) must not be read afterwards either.
 *
 * @example
 * ```ts
 * import { giveBackArrays, randn } from '@tapegrad/core';
 * const x = randn([2, 3]);
 * const dead = x.mul(2); // nothing reads it after this line
 * giveBackArrays([dead]);
 * const next = x.mul(3); // may reuse dead's array
 * console.log(next.shape, dead.isReleased); // [2, 3] true
 * ```
 * @category Autograd
 */
export function giveBackArrays(tensors: Iterable<Tensor>): void {
  const iterable = tensors !== null && typeof tensors === 'object' && Symbol.iterator in tensors;
  if (!iterable) throw new TypeError(`giveBackArrays: tensors must be an iterable of tensors (got ${describeValue(tensors)})`);
  // an array is read as it is (a training loop's list of gradients, every step); anything else is copied once
  const list: readonly Tensor[] = Array.isArray(tensors) ? tensors : [...tensors];
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (!(t instanceof Tensor)) throw new TypeError(`giveBackArrays: tensors must all be tensors (got ${describeValue(t)}); nothing was given back`);
  }
  // each array once, even when two tensors share it: found by a scan of the ones before for a short
  // list (no Set per call), by a Set for a long one
  const seen = list.length > 32 ? new Set<TypedArray>() : null;
  for (let i = 0; i < list.length; i++) {
    const array = list[i]!.data.data;
    if (seen !== null ? seen.has(array) : givenBefore(list, i, array)) continue;
    seen?.add(array);
    // the pool swaps a large plain float array for one in the kernels' memory (see givePooled)
    givePooled(dtypeOfArray(array)!, array);
  }
  // a tensor given back no longer owns its values: reading it, or giving it back again (releaseGrad,
  // zeroGrad), must not reach an array that now belongs to another tensor
  for (let i = 0; i < list.length; i++) list[i]!.release();
}

/** Whether one of `list[0..i)` has `array`. */
function givenBefore(list: readonly Tensor[], i: number, array: TypedArray): boolean {
  for (let j = 0; j < i; j++) if (list[j]!.data.data === array) return true;
  return false;
}
