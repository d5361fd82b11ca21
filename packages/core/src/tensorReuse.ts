/**
 * Reusing the tensor objects of a {@link recyclingArrays} scope: the ops and the backward of one
 * call of the outermost scope make their tensors (and tape nodes) in the same order each call, so
 * the k-th tensor of a call can be the k-th tensor of the last call, once that one is released
 * (its values went back: the scope's end releases what it made and does not keep, the tape what it
 * freed, `releaseGrad`/`giveBackArrays` gradients). A training step then makes no tensor or node of
 * its own in steady state. Positions are claimed before an op's forward runs and filled after, so
 * an op whose forward makes tensors of its own keeps the order.
 * @module
 * @internal
 */
import type { Tensor } from './tensor.js';

/** What the outermost scope's calls made, by position; the next call reuses the released ones. */
const made: (Tensor | null)[] = [];
/** The next position of the running call, or -1 outside every scope. */
let cursor = -1;

/** Starts a call of the outermost scope: positions count from 0 again. @internal */
export function openTensorReuse(): void {
  cursor = 0;
}

/**
 * Ends the call: releases what it made that `keep[0..keepCount)` does not list (the scope's contract says it is
 * dead), so that the next call reuses it, and a read of it afterwards throws a GraphError. After a
 * call that threw, pass null: nothing is released (its tensors are not reused). @internal
 */
export function closeTensorReuse(keep: readonly (Tensor | null)[] | null, keepCount: number): void {
  const end = cursor;
  cursor = -1;
  if (keep === null) return;
  for (let k = 0; k < end; k++) {
    const t = made[k];
    if (t !== null && t !== undefined && !t.isReleased && !listed(keep, keepCount, t)) t.release();
  }
}

/** Whether `t` is one of `list[0..count)`. */
function listed(list: readonly (Tensor | null)[], count: number, t: Tensor): boolean {
  for (let i = 0; i < count; i++) if (list[i] === t) return true;
  return false;
}

/** Claims the next position of the running call (-1 outside every scope). @internal */
export function claimTensorSlot(): number {
  return cursor < 0 ? -1 : cursor++;
}

/** The released tensor the last call made at `slot`, to make this call's tensor there, or null. @internal */
export function releasedTensorAt(slot: number): Tensor | null {
  if (slot < 0) return null;
  const t = made[slot];
  return t !== undefined && t !== null && t.isReleased ? t : null;
}

/** Records `t` as this call's tensor at `slot` (a no-op at -1); returns `t`. @internal */
export function fillTensorSlot(slot: number, t: Tensor): Tensor {
  if (slot >= 0) made[slot] = t;
  return t;
}
