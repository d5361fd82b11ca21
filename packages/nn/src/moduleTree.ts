/**
 * Walks of a module tree that make nothing but their result, for the walks a training step runs:
 * cs231n's models set the mode twice per `loss` call and list the buffers that outlive it, and the
 * named walks (`modules()`, `namedBuffers()`) would make every module's dotted name and pairs each time.
 * `fieldsInto` is the one scan of a module's fields that every walk (named or not) goes through.
 * @module
 * @internal
 */
import { Buffer } from './parameter.js';
import type { Module } from './module.js';

/**
 * Appends to `out` the values of `m`'s own fields that are instances of `cls`, in declaration order
 * (`Object.keys`' order), and their field names to `keys` when it is given; returns `out`. It makes
 * nothing but what it appends (see {@link fieldsInto}), so the walks a training step runs can use it.
 * @internal
 */
export function fieldsOf<T>(m: Module, cls: abstract new (...args: never[]) => T, out: T[], keys?: string[]): T[] {
  fieldsInto(m, cls, out, out.length, keys);
  return out;
}

/**
 * Writes the values of `m`'s own fields that are instances of `cls` into `out` from index `at` (their
 * field names appended to `keys` when it is given) and returns the index after the last one. Nothing
 * past them is cut: a list reused from call to call keeps its storage (setting its length to 0 would
 * drop it). `for…in` over an object's own fields reads the engine's cached list of them, where
 * `Object.keys` copies it.
 * @internal
 */
export function fieldsInto<T>(m: Module, cls: abstract new (...args: never[]) => T, out: (T | null)[], at = 0, keys?: string[]): number {
  const record = m as unknown as Record<string, unknown>;
  let end = at;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue; // (for…in also lists enumerable inherited keys, after the own ones)
    const value = record[key];
    if (value instanceof cls) {
      out[end++] = value;
      keys?.push(key);
    }
  }
  return end;
}

/** A module class, as `fieldsInto` takes it (`Module`: moduleTree only imports its type). */
type ModuleClass = abstract new (...args: never[]) => Module;

/**
 * The lists the walks of a training step read a module's children from, one per depth of nested
 * walks (Sequential.forward inside another, train inside train), kept from call to call: those walks
 * run once or twice a step, mostly unoptimized, where a new list and a `for…of` over it would make a
 * list, an iterator and a result object per child.
 */
const childLists: (Module | null)[][] = [];
let childDepth = 0;

/**
 * Writes `m`'s Module fields (instances of `moduleClass`) into the list of the next depth and
 * enters it; returns how many. Read them with {@link enteredChildren}, then leave with
 * {@link leaveChildren} (in a `finally`). @internal
 */
export function enterChildren(m: Module, moduleClass: ModuleClass): number {
  const count = fieldsInto(m, moduleClass, (childLists[childDepth] ??= []));
  childDepth++;
  return count;
}

/** The list {@link enterChildren} filled last: its first `count` entries are the children. @internal */
export function enteredChildren(): readonly (Module | null)[] {
  return childLists[childDepth - 1]!;
}

/** Leaves the depth {@link enterChildren} entered; its list keeps no module between calls. @internal */
export function leaveChildren(count: number): void {
  childDepth--;
  childLists[childDepth]!.fill(null, 0, count);
}

/**
 * Sets `training` on `m`, then calls `train(mode)` on each of its children, as PyTorch's
 * `Module.train`: a submodule that overrides `train` (to keep a BatchNorm in eval mode, say) is
 * obeyed. `moduleClass` is `Module` when `m` does not override `children()`, so that its children
 * are read from its fields ({@link enterChildren}; cs231n's models set the mode twice per `loss`
 * call); else null, and `m.children()` lists them. @internal
 */
export function setTraining(m: Module, mode: boolean, moduleClass: ModuleClass | null): void {
  m.training = mode;
  if (moduleClass === null) {
    for (const child of m.children()) child.train(mode);
    return;
  }
  const count = enterChildren(m, moduleClass);
  try {
    const children = enteredChildren();
    for (let i = 0; i < count; i++) children[i]!.train(mode);
  } finally {
    leaveChildren(count);
  }
}

/**
 * Appends the buffers of `m`, then of its submodules depth first, to `out`: `m.namedBuffers()`'s
 * order. The submodules are `m`'s Module fields (`moduleClass`), as `namedModules` walks them. @internal
 */
export function collectBuffers(m: Module, out: Buffer[], moduleClass: ModuleClass): Buffer[] {
  fieldsOf(m, Buffer, out);
  const count = enterChildren(m, moduleClass);
  try {
    const children = enteredChildren();
    for (let i = 0; i < count; i++) collectBuffers(children[i]!, out, moduleClass);
  } finally {
    leaveChildren(count);
  }
  return out;
}
