/**
 * Giving back the arrays of marked intermediates ({@link releaseWithGraph}) once backward freed the
 * graph, views included: a recorded view (a reshape, a transpose, a flatten) of a marked output
 * does not pin its array when the view is marked too. The node whose op made the array (the
 * base) counts the recorded views over it that are not through yet; a marked view that is through
 * waits in the base's list, and when the base is through too, the array goes back and the base's
 * tensor and its views' are released together. An unmarked view, `detach`, or a view taken without
 * recording keeps the array: its tensor is read by code the tape does not see.
 * @module
 * @internal
 */
import { givePooled } from './allocator.js';
import { dtypeOfArray, type NdArray, type TypedArray } from './dtype.js';
import { spareView } from './kernels/layout.js';
import type { TapeNode } from './tape.js';

/** How a recorded view and the node whose array it views relate; on both nodes. @internal */
export class ViewLinks {
  /** On a base: its recorded views (of views too) not yet through. */
  pending = 0;
  /** On a base: the first of its marked views that are through, waiting for it (linked by `next`). */
  done: TapeNode | null = null;
  /** On a view: the node whose op made the array (null on a base). */
  base: TapeNode | null = null;
  /** On a view: which of its inputs it views. */
  input = -1;
  /** On a view: the next in its base's `done` list. */
  next: TapeNode | null = null;
  /** On a view: whether it is through (in its base's `done` list). */
  through = false;
}

/**
 * Records that `view`, a new node, makes a view of its input `input`, whose producer is
 * `producer`: the view pins the array until it is through. Returns false when the array is
 * pinned for good (the base is shared already), so `view` must not be marked either. @internal
 */
export function linkView(view: TapeNode, input: number, producer: TapeNode): boolean {
  const base = producer.links?.base ?? producer;
  if (base.shared) return false;
  (base.links ??= new ViewLinks()).pending++;
  const links = (view.links = new ViewLinks());
  links.base = base;
  links.input = input;
  return true;
}

/**
 * After `node`'s backward freed it: the marked outputs whose last user it was, and its own output
 * once unused, go back (the input a view op views was not counted as a use). @internal
 */
export function releaseAfterBackward(node: TapeNode): void {
  const inputs = node.inputs;
  const viewed = node.links !== null && node.links.base !== null ? node.links.input : -1;
  for (let i = 0; i < inputs.length; i++) {
    const producer = inputs[i]!.gradFn;
    if (producer !== null && i !== viewed && --producer.uses === 0) tryRelease(producer);
  }
  tryRelease(node);
}

/** Releases `node`'s marked output when it is freed and unused, and no recorded view pins its array. */
function tryRelease(node: TapeNode): void {
  const t = node.output;
  if (t === null || !node.freed || node.uses !== 0) return;
  const links = node.links;
  if (links !== null && links.base !== null) {
    // a view that is through: its tensor goes when its base's array does
    if (links.through) return;
    links.through = true;
    const base = links.base.links!;
    links.next = base.done;
    base.done = node;
    base.pending--;
    tryRelease(links.base);
    return;
  }
  if (links !== null && links.pending !== 0) return;
  node.output = null;
  giveBackNd(t.data);
  t.release();
  if (links === null) return;
  for (let view = links.done; view !== null;) {
    const next = view.links!.next;
    view.links!.next = null;
    view.output?.release();
    view.output = null;
    view = next;
  }
  links.done = null;
}

/** Gives a dead array to the allocator's pool. @internal */
export function giveBack(array: TypedArray): void {
  givePooled(dtypeOfArray(array)!, array);
}

/** Gives a dead ndarray's array to the pool, and the view too, for the array's next use in its shape (see spareView). @internal */
export function giveBackNd(x: NdArray): void {
  spareView(x);
  giveBack(x.data);
}
