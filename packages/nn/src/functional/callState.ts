/**
 * The lifecycle shared by the fused ops' reusable per-call states (BatchNorm's `BatchNormCall`,
 * cross-entropy's `CrossEntropyCall`): a state is lent to the call that takes it and, through the
 * call's attributes, to its tape node; it is free again once that node is freed (a backward without
 * `retainGraph` went through it), or at once when the call recorded nothing. Until its backward runs
 * a state points at no node, so a graph dropped without backward is not kept alive by the state's
 * owner (whose ring then passes the state by, and in time drops it).
 * @module
 * @internal
 */
import type { NdArray, Tensor } from '@tapegrad/core';

/** A per-call state's lending: taken, settled after the op, held by its node from backward on. @internal */
export abstract class CallState {
  /** Whether a call holds this state. */
  private busy = false;
  /** The context of the node holding this state, set by its backward. */
  private heldBy: { readonly freed: boolean } | null = null;
  /**
   * The array the op's backward reads (BatchNorm's x, cross-entropy's logits, ReLU's output,
   * linear's x), kept here by forward instead of by `ctx.save`, whose list is one more array per
   * call: the state stays with the node until the node is freed, after which no backward runs
   * through it. Dropped at once when the call recorded nothing; after a backward, only when a later
   * call reuses the state (a ring thus keeps its last graphs' arrays referenced until then).
   */
  saved: NdArray | null = null;

  /** Whether no call holds this state: never taken, given back, or its node's graph freed. */
  get free(): boolean {
    return !this.busy || (this.heldBy !== null && this.heldBy.freed);
  }

  /** Marks this state taken by a call (subclasses' claim methods call it first). */
  protected lend(): void {
    this.busy = true;
    this.heldBy = null;
  }

  /**
   * After the op ran (`y`) or threw (null): a call that recorded no node (`y` null or without
   * `gradFn`) gives the state back at once; a recorded one keeps it until its node is freed.
   */
  settle(y: Tensor | null): void {
    if (y === null || y.gradFn === null) {
      this.busy = false;
      this.dropSaved();
    }
  }

  /** Drops what forward kept for backward (subclasses that keep more drop it too). */
  protected dropSaved(): void {
    this.saved = null;
  }

  /** Called by backward with its node's context: the state comes back once `ctx` is freed. */
  heldUntilFreed(ctx: { readonly freed: boolean }): void {
    this.heldBy = ctx;
  }
}

/**
 * The reusable states of one fused op: a call takes the first one no call holds, or a new one;
 * past `size` states the oldest is dropped from the ring (its node, if any, keeps it), so the ring
 * never keeps a dropped graph's state alive on its own for long. @internal
 */
export class CallRing<S extends CallState> {
  private readonly states: S[] = [];
  /**
   * @param size - how many states the ring keeps.
   * @param make - makes a new state.
   */
  constructor(private readonly size: number, private readonly make: () => S) {}

  /** A state no call holds (never taken, its call recorded nothing, or its node freed), for the caller to claim. */
  take(): S {
    const states = this.states;
    for (let k = 0; k < states.length; k++) if (states[k]!.free) return states[k]!;
    if (states.length === this.size) states.shift();
    const state = this.make();
    states.push(state);
    return state;
  }

  /** How many states the ring holds (for tests). */
  get count(): number {
    return this.states.length;
  }
}
