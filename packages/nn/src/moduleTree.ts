/**
 * Walks of a module tree that make nothing but their result, for the walks a training step runs:
 * cs231n's models set the mode twice per `loss` call and list the buffers that outlive it, and the
 * named walks (`modules()`, `namedBuffers()`) would make every module's dotted name and pairs each time.
 * @module
 * @internal
 */
import { Buffer } from './parameter.js';
import type { Module } from './module.js';

/** Sets `training` on `m` and on every submodule, depth first: the modules of `m.modules()`. @internal */
export function setTraining(m: Module, mode: boolean): void {
  m.training = mode;
  for (const child of m.children()) setTraining(child, mode);
}

/** Appends the buffers of `m`, then of its submodules depth first, to `out`: `m.namedBuffers()`'s order. @internal */
export function collectBuffers(m: Module, out: Buffer[]): Buffer[] {
  for (const key of Object.keys(m)) {
    const value = (m as unknown as Record<string, unknown>)[key];
    if (value instanceof Buffer) out.push(value);
  }
  for (const child of m.children()) collectBuffers(child, out);
  return out;
}
