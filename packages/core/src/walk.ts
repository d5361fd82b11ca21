/**
 * The bookkeeping of a backward walk, kept allocation-free: the nodes it visits, found and put in
 * order in arrays that every walk at the same depth reuses, and each node's pending gradient held on
 * the node itself (`TapeNode.walkId`, `pendingGrad`, `pendingOwned`) instead of in a Map and a Set
 * made per call. Walks nest (an op's backward may run a backward of its own, on another graph or on
 * part of this one): each depth has its own {@link Walk}, and a nested walk that finds a node an outer
 * walk holds saves that walk's marks on it and puts them back when it ends.
 * @module
 * @internal
 */
import { AllocationLog } from './allocator.js';
import type { NdArray } from './dtype.js';
import type { TapeNode } from './tape.js';

/** One walk's reused storage (see the module's doc). @internal */
export class Walk {
  /** This walk's id, stamped on the nodes it found (ids are never reused; 0 marks no walk). */
  id = 0;
  /** The nodes found, `nodes[0..count)`; sorted, highest creation order first. */
  readonly nodes: (TapeNode | null)[] = [];
  count = 0;
  /** The arrays the running op's backward allocated (refilled for each node). */
  readonly fresh = new AllocationLog();
  /** The depth-first search's stack. */
  private readonly stack: (TapeNode | null)[] = [];
  /** An outer walk's marks on the nodes this walk took over, to put back at the end. */
  private readonly outerNodes: (TapeNode | null)[] = [];
  private readonly outerIds: number[] = [];
  private readonly outerGrads: (NdArray | null)[] = [];
  private readonly outerOwned: boolean[] = [];
  private outerCount = 0;

  /**
   * Finds the nodes reachable from `start` through inputs that require grad and sorts them, highest
   * creation order first (each node then comes after every node that sends it a gradient). Returns
   * the first freed node it meets, before anything is changed but the marks `end` clears, or null.
   */
  find(start: TapeNode): TapeNode | null {
    this.take(start);
    const stack = this.stack;
    stack[0] = start;
    let top = 1;
    let freed: TapeNode | null = null;
    while (top > 0) {
      const node = stack[--top]!;
      stack[top] = null;
      if (node.freed) {
        freed = node;
        break;
      }
      const inputs = node.inputs;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        const parent = input.gradFn;
        if (parent !== null && input.requiresGrad && parent.walkId !== this.id) {
          this.take(parent);
          stack[top++] = parent;
        }
      }
    }
    for (let i = 0; i < top; i++) stack[i] = null;
    if (freed === null) sortBySeqDescending(this.nodes, this.count);
    return freed;
  }

  /** Marks `node` as found by this walk, saving an outer walk's marks on it first. */
  private take(node: TapeNode): void {
    if (node.walkId !== 0) {
      // only a walk still running leaves marks (each clears its own when it ends): an outer one
      const k = this.outerCount++;
      this.outerNodes[k] = node;
      this.outerIds[k] = node.walkId;
      this.outerGrads[k] = node.pendingGrad;
      this.outerOwned[k] = node.pendingOwned;
      node.pendingGrad = null;
      node.pendingOwned = false;
    }
    node.walkId = this.id;
    this.nodes[this.count++] = node;
  }

  /** Clears this walk's marks and gradients from its nodes, puts back an outer walk's, and forgets the nodes. */
  end(): void {
    const nodes = this.nodes;
    for (let i = 0; i < this.count; i++) {
      const node = nodes[i]!;
      node.walkId = 0;
      node.pendingGrad = null;
      node.pendingOwned = false;
      nodes[i] = null;
    }
    this.count = 0;
    this.fresh.clear();
    for (let k = this.outerCount - 1; k >= 0; k--) {
      const node = this.outerNodes[k]!;
      node.walkId = this.outerIds[k]!;
      node.pendingGrad = this.outerGrads[k]!;
      node.pendingOwned = this.outerOwned[k]!;
      this.outerNodes[k] = null;
      this.outerGrads[k] = null;
    }
    this.outerCount = 0;
  }
}

/** The walks by depth: a walk running inside another's op backward takes the next one. */
const walks: Walk[] = [];
let depth = 0;
let nextId = 1;

/** A walk for a new backward, with a new id; give it back with {@link leaveWalk}. @internal */
export function enterWalk(): Walk {
  const walk = (walks[depth] ??= new Walk());
  depth++;
  walk.id = nextId++;
  return walk;
}

/** Ends `walk` (the innermost one running), clearing its marks. @internal */
export function leaveWalk(walk: Walk): void {
  walk.end();
  depth--;
}

/** Sorts `nodes[0..count)` by `seq`, highest first, in place (a heap sort: `Array.prototype.sort` copies the array). */
function sortBySeqDescending(nodes: (TapeNode | null)[], count: number): void {
  // a min-heap on seq: each pop moves the lowest remaining node to the end of the unsorted part
  for (let i = (count >> 1) - 1; i >= 0; i--) siftDown(nodes, i, count);
  for (let end = count - 1; end > 0; end--) {
    const top = nodes[0]!;
    nodes[0] = nodes[end]!;
    nodes[end] = top;
    siftDown(nodes, 0, end);
  }
}

/** Moves `nodes[i]` down the min-heap `nodes[0..size)` to its place. */
function siftDown(nodes: (TapeNode | null)[], i: number, size: number): void {
  const node = nodes[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && nodes[child + 1]!.seq < nodes[child]!.seq) child++;
    if (nodes[child]!.seq >= node.seq) break;
    nodes[i] = nodes[child]!;
    i = child;
  }
  nodes[i] = node;
}
