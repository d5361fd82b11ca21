/**
 * The tape's backward: visits the nodes reachable from an output in reverse order of creation,
 * hands each node's output gradient to its op's backward, checks what comes back, and sums the
 * gradients of each input, adding in place into gradients that the tape owns. Gradients it owns and
 * no longer needs (consumed by the op that received them, or added into another), and the arrays an
 * op's backward allocated but did not return, go back to the allocator's pool at once: a backward
 * reuses its own intermediate gradients, and repeated steps allocate none.
 * @module
 */
import ndarray from 'ndarray';
import { DtypeError, GraphError, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { checkFinite, describeInputs, isAnomalyDetectionEnabled } from './anomaly.js';
import { trackAllocations, type AllocationLog } from './allocator.js';
import { describeValue } from './checks.js';
import { dtypeOfArray, type FloatArray, type FloatDType, type NdArray, type TypedArray } from './dtype.js';
import { sameShape, sizeOf } from './shape.js';
import { binary, binaryInto } from './kernels/elementwise.js';
import { copyNd, isContiguous, toContiguous } from './kernels/layout.js';
import { getKernels } from './kernels/registry.js';
import { freedError, isShared, type TapeNode } from './tape.js';
import { giveBack, giveBackNd, releaseAfterBackward } from './release.js';
import { Tensor } from './tensor.js';
import { claimTensorSlot, fillTensorSlot, releasedTensorAt } from './tensorReuse.js';
import { enterWalk, leaveWalk, type Walk } from './walk.js';

/**
 * Runs backward from `root` with upstream gradient `seed` (ones for a one-element root).
 *
 * The gradient being summed for each node's output waits on the node (`pendingGrad`), with whether
 * it is `owned`: no one but the tape holds its array (the tape allocated it, or an op's backward did
 * during this run, see {@link ownsGradient}), so it may be added into in place, or become a leaf's
 * `.grad` without a copy. The walk's node list and marks are reused storage (`walk.ts`).
 * @internal
 */
export function runBackward(root: Tensor, seed: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new GraphError(`backward: the tensor does not require grad (got a tensor with requiresGrad false and no gradFn)`);
  }
  const rootGrad = seedGradient(root, seed);
  // the tape owns an implicit seed it made, not a shared one (unitSeed) nor the caller's
  const rootOwned = seed === undefined && rootGrad !== unitSeeds[root.dtype as FloatDType];
  const start = root.gradFn;
  if (start === null) {
    accumulateInto(root, rootGrad, rootOwned);
    return;
  }
  const walk = enterWalk();
  try {
    const freed = walk.find(start);
    if (freed !== null) throw freedError(freed.name);
    start.pendingGrad = rootGrad;
    start.pendingOwned = rootOwned;
    const nodes = walk.nodes;
    for (let k = 0; k < walk.count; k++) visit(nodes[k]!, walk, retainGraph);
  } finally {
    leaveWalk(walk);
  }
}

/**
 * Anomaly mode's check of a backward's gradients. (A function of its own: a closure over `visit`'s
 * variables would make V8 allocate `visit`'s context at every call, anomaly mode or not.)
 */
function checkGradientsFinite(node: TapeNode, grads: readonly (NdArray | null)[], dy: NdArray): void {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g && node.needsGrad[i]) checkFinite(`${node.name}.backward`, g, [dy], `gradient ${i} of ${describeInputs(node.inputShapes)}`, node.createdAt);
  }
}

/** Runs `node`'s backward on its pending gradient (when one reached it) and passes the gradients on. */
function visit(node: TapeNode, walk: Walk, retainGraph: boolean): void {
  const dy = node.pendingGrad;
  if (dy === null) return;
  node.pendingGrad = null;
  let dyOwned = node.pendingOwned;
  if (node.retained && accumulateInto(node.retained, dy, dyOwned)) dyOwned = false;
  /** The arrays the op's backward allocates. */
  const fresh = walk.fresh;
  fresh.clear();
  const outer = trackAllocations(fresh);
  let grads: readonly (NdArray | null)[];
  try {
    // (a contiguous copy of dy, for an op that asks, is made here: the tape records it as the op's, to give back)
    grads = node.spec.backward(node, node.spec.contiguousInputs === true ? toContiguous(dy) : dy);
  } finally {
    trackAllocations(outer);
  }
  checkGradients(node, grads);
  if (isAnomalyDetectionEnabled()) checkGradientsFinite(node, grads, dy);
  const inputs = node.inputs;
  const needsGrad = node.needsGrad;
  for (let i = 0; i < inputs.length; i++) {
    const g = grads[i];
    if (!g || !needsGrad[i]) continue;
    const owned = ownsGradient(g, i, grads, needsGrad, fresh, dyOwned ? dy.data : null);
    const parent = inputs[i]!.gradFn;
    if (parent === null) {
      if (!accumulateInto(inputs[i]!, g, owned) && owned) giveBackNd(g);
      continue;
    }
    const prev = parent.pendingGrad;
    if (prev === null) {
      parent.pendingGrad = g;
      parent.pendingOwned = owned;
    } else if (parent.pendingOwned) {
      addInPlace(prev, g);
      if (owned) giveBackNd(g);
    } else if (owned) {
      addInPlace(g, prev); // g + prev is prev + g, bit for bit
      parent.pendingGrad = g;
      parent.pendingOwned = true;
    } else {
      parent.pendingGrad = binary('add', prev, g, prev.shape);
      parent.pendingOwned = true;
    }
  }
  // what this backward allocated and did not return, and the gradient it consumed (when the tape
  // owned it and the op did not pass it on), are dead: the next ops reuse them
  for (let k = 0; k < fresh.size; k++) if (!returnsArray(grads, fresh.get(k))) giveBack(fresh.get(k));
  if (dyOwned && !returnsArray(grads, dy.data)) giveBackNd(dy);
  fresh.clear();
  if (!retainGraph) {
    node.free();
    // marked intermediates whose last user this was (and this node's own output, once unused)
    releaseAfterBackward(node);
  }
}

/**
 * Whether the tape may keep gradient `i` of an op's backward as its own (add into it, or make it a
 * leaf's `.grad` without a copy): its array was allocated by that backward (`fresh`), or is the
 * upstream gradient the tape owned (`dyData`, passed through as by clone or reshape); no other
 * gradient of the same call shares it; and it covers its whole array densely (no broadcast or
 * partial view), in any order of dims (a transposed view of a fresh product qualifies).
 */
function ownsGradient(
  g: NdArray, i: number, grads: readonly (NdArray | null)[], needsGrad: readonly boolean[], fresh: AllocationLog, dyData: TypedArray | null,
): boolean {
  const data = g.data;
  if (!(fresh.has(data) || data === dyData)) return false;
  for (let j = 0; j < grads.length; j++) {
    if (j !== i && needsGrad[j] && grads[j]?.data === data) return false;
  }
  return coversDensely(g);
}

/** Whether one of an op's gradients `grads` is a view of `array`. */
function returnsArray(grads: readonly (NdArray | null)[], array: TypedArray): boolean {
  for (const g of grads) if (g && g.data === array) return true;
  return false;
}

/**
 * Whether `x` views every element of its array exactly once (offset 0, strides a permutation of a
 * contiguous layout): taking the dims of size above 1 from the smallest stride up, each stride is the
 * product of the sizes before it. Each step looks for the dim whose stride is that product (a dim once
 * taken cannot match again: the product only grows), which needs neither a list of dims nor a sort.
 */
function coversDensely(x: NdArray): boolean {
  if (x.offset !== 0) return false;
  const { shape, stride } = x;
  let size = 1, dims = 0;
  for (let k = 0; k < shape.length; k++) {
    size *= shape[k]!;
    if (shape[k]! !== 1) dims++;
  }
  if (size !== x.data.length) return false;
  if (size === 0) return true; // (a dim of size 0 would break "the product only grows")
  let expected = 1;
  for (let taken = 0; taken < dims; taken++) {
    let k = 0;
    while (k < shape.length && (shape[k] === 1 || stride[k] !== expected)) k++;
    if (k === shape.length) return false;
    expected *= shape[k]!;
  }
  return true;
}

/**
 * The implicit seed of a zero-dimensional output (a loss), one per dtype and made once: not owned by
 * a backward, so the tape neither writes into it nor gives it back (ops read their `dy`), and each
 * `loss.backward()` makes no array for it.
 */
const unitSeeds: Partial<Record<FloatDType, NdArray>> = {};

function unitSeed(dtype: FloatDType): NdArray {
  return (unitSeeds[dtype] ??= ndarray(dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]), []) as NdArray);
}

function seedGradient(root: Tensor, seed: Tensor | undefined): NdArray {
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new GraphError(`backward: a gradient can be created implicitly only for a one-element output (got shape ${formatShape(root.shape)}); pass backward(grad)`);
    }
    if (root.data.shape.length === 0) return unitSeed(root.dtype as FloatDType);
    const ones = copyNd(root.data);
    ones.data[0] = 1;
    return ones;
  }
  if (!(seed instanceof Tensor)) throw new TypeError(`backward: grad must be a Tensor (got ${describeValue(seed)})`);
  if (!sameShape(seed.shape, root.shape)) {
    throw new ShapeError(`backward: grad must have the output's shape ${formatShape(root.shape)} (got ${formatShape(seed.shape)})`);
  }
  if (seed.dtype !== root.dtype) throw new DtypeError(`backward: grad must have the output's dtype ${root.dtype} (got ${seed.dtype})`);
  return seed.data;
}

function checkGradients(node: TapeNode, grads: readonly (NdArray | null)[]): void {
  const op = node.name;
  if (!Array.isArray(grads) || grads.length !== node.inputs.length) {
    throw new GraphError(
      `${op}.backward: must return ${node.inputs.length} gradient(s), one per input (got ${Array.isArray(grads) ? grads.length : describeValue(grads)})`,
    );
  }
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g === null || g === undefined || !node.needsGrad[i]) continue;
    const input = node.inputs[i]!;
    const dtype = dtypeOfArray(g.data);
    if (dtype === undefined) throw new DtypeError(`${op}.backward: gradient ${i} must be an ndarray (got ${describeValue(g)})`);
    if (!sameShape(g.shape, input.shape)) {
      throw new ShapeError(`${op}.backward: gradient ${i} must have input ${i}'s shape ${formatShape(input.shape)} (got ${formatShape(g.shape)})`);
    }
    if (dtype !== input.dtype) {
      throw new DtypeError(`${op}.backward: gradient ${i} must have input ${i}'s dtype ${input.dtype} (got ${dtype})`);
    }
  }
}

/**
 * The `.grad` tensors backward made, whose arrays no one else was given (see {@link releaseGrad}), by
 * their array. A training loop's gradients reuse the same arrays step after step, so a step rewrites
 * values here; a WeakSet of the tensors took a new entry for every gradient of every step, which
 * stayed until a full collection, and its additions were most of `accumulateInto`'s time.
 */
const tapeGrads = new WeakMap<TypedArray, Tensor>();

/**
 * Sets `t.grad` to null and, when backward made that gradient (its array is the tape's: not a
 * tensor assigned to `.grad`, and no view or `detach` of it was taken), gives its array back to the
 * allocator, where the next backward's gradient of `t` reuses it, and releases the old gradient
 * tensor: reading it afterwards throws a GraphError. `Optimizer.zeroGrad()` does this for every
 * parameter, so that training steps reuse one gradient array per parameter (in the kernels' memory,
 * where the products that make it and the update that reads it work in place) instead of
 * allocating a new one each step. Clone a gradient you read after `zeroGrad`.
 *
 * @example
 * ```ts
 * import { randn, releaseGrad } from '@tapegrad/core';
 * const w = randn([3], { requiresGrad: true });
 * w.mul(w).sum().backward();
 * const old = w.grad!;
 * releaseGrad(w);
 * console.log(w.grad, old.isReleased); // null true
 * ```
 * @category Autograd
 */
export function releaseGrad(t: Tensor): void {
  if (!(t instanceof Tensor)) throw new TypeError(`releaseGrad: expected a Tensor (got ${describeValue(t)})`);
  const g = t.grad;
  if (g === null) return;
  t.grad = null;
  if (g.isReleased || tapeGrads.get(g.data.data) !== g || isShared(g.data.data)) return;
  giveBackNd(g.data);
  g.release();
}


/** Gradient sums of this many elements or more run on the active kernels (`addRowVector` over one row). */
const KERNEL_SUM_MIN_LENGTH = 1024;

/**
 * `target += g` (same shape, which the tape has checked). Two contiguous float arrays of one dtype
 * that do not partly overlap are summed by the active kernels (a SIMD loop on the WebAssembly ones;
 * each element's sum is the same as the loop's); others by the elementwise loop, with broadcasting.
 */
function addInPlace(target: NdArray, g: NdArray): void {
  const t = target.data, d = g.data, n = sizeOf(target.shape);
  if (n >= KERNEL_SUM_MIN_LENGTH && (t instanceof Float32Array || t instanceof Float64Array) && d.constructor === t.constructor
    && sameShape(target.shape, g.shape) && isContiguous(target) && isContiguous(g) && !partlyOverlapping(t, target.offset, d, g.offset, n)) {
    getKernels().addRowVector(1, n, t, target.offset, d as FloatArray, g.offset);
    return;
  }
  binaryInto('add', target, target, g);
}

/** Whether `n` elements of `a` from `ao` and of `b` from `bo` share some bytes without being the same ones. */
function partlyOverlapping(a: TypedArray, ao: number, b: TypedArray, bo: number, n: number): boolean {
  if (a.buffer !== b.buffer) return false;
  const size = a.BYTES_PER_ELEMENT * n;
  const as = a.byteOffset + ao * a.BYTES_PER_ELEMENT, bs = b.byteOffset + bo * b.BYTES_PER_ELEMENT;
  return as !== bs && as < bs + size && bs < as + size;
}

/**
 * Adds `g` into `t.grad` in place, as PyTorch does; when `t.grad` is null, `g` becomes it (a contiguous
 * gradient the tape owns, so nothing else can change it) or a copy of it. Returns whether `g` was taken.
 */
function accumulateInto(t: Tensor, g: NdArray, owned: boolean): boolean {
  if (t.grad === null) {
    const take = owned && isContiguous(g);
    const data = take ? g : copyNd(g);
    // inside a recyclingArrays scope, this position's gradient tensor of the last call, when released
    const slot = claimTensorSlot();
    const reused = releasedTensorAt(slot);
    const grad = (t.grad = fillTensorSlot(slot, reused !== null ? reused.reuse(data, null) : new Tensor(data)));
    tapeGrads.set(grad.data.data, grad);
    return take;
  }
  addInPlace(t.grad.data, g);
  return false;
}
