/**
 * The marker of nn's layers whose forward keeps its input and output only on the tape, which lets a
 * `Sequential` give the tensors passed between two of them back for reuse.
 * @module
 * @internal
 */
import type { Module } from './module.js';

/**
 * Set (to true, as a static property) on a layer class whose `forward` keeps no reference to its
 * input or its output anywhere but on the tape: no field, no cache, nothing a user could read
 * later. Such a forward may return its input itself (Dropout in eval mode); the Sequential checks for
 * that. Only the class that declares it is marked, not its subclasses (they may override forward):
 * `isGraphOnly` reads the class's own property. @internal
 */
export const graphOnly: unique symbol = Symbol('graphOnly');

/** Whether the class of `m` itself (not a base class) declares `graphOnly`. @internal */
export function isGraphOnly(m: Module): boolean {
  const ctor = m.constructor as unknown as Record<symbol, unknown>;
  return Object.hasOwn(ctor, graphOnly) && ctor[graphOnly] === true;
}
