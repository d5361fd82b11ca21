/**
 * Which backward a layer uses: `'fused'`, one tape node with a handwritten backward, or `'tape'`,
 * the layer composed from core ops so that the tape derives the gradient.
 * @module
 */
import type { Module } from './module.js';

/** `'fused'` (one node, handwritten backward; the default) or `'tape'` (composed from core ops). @category Fused vs tape */
export type BackwardMode = 'fused' | 'tape';

/** A module whose forward has both forms. @category Fused vs tape */
export interface HasBackwardMode {
  backward: BackwardMode;
}

/** The modes, in the order messages list them. */
const backwardModes: readonly unknown[] = ['fused', 'tape'] satisfies readonly BackwardMode[];

/** The mode a layer takes when none is given. @internal */
export const defaultBackwardMode: BackwardMode = 'fused';

/** Whether `mode` is a {@link BackwardMode}. @internal */
export function isBackwardMode(mode: unknown): mode is BackwardMode {
  return backwardModes.includes(mode);
}

/** Whether `m` has a `backward` switch. @internal */
export function hasBackwardMode(m: unknown): m is HasBackwardMode {
  return isBackwardMode((m as Partial<HasBackwardMode> | null)?.backward);
}

/** Checks a `backward` option (undefined: {@link defaultBackwardMode}), naming the module. @internal */
export function checkBackwardMode(where: string, mode: unknown): BackwardMode {
  if (mode === undefined) return defaultBackwardMode;
  if (!isBackwardMode(mode)) throw new TypeError(`${where}: backward must be 'fused' or 'tape' (got ${String(mode)})`);
  return mode;
}

/**
 * Sets the backward of `module` and of every submodule that has one (Linear, ReLU, BatchNorm1d,
 * LayerNorm, Conv2d, BatchNorm2d, GroupNorm, RMSNorm, FullyConnectedNet, ThreeLayerConvNet) to `mode`.
 *
 * @returns `module`.
 * @example
 * ```ts
 * import { Sequential, Linear, ReLU, setBackwardMode } from '@tapegrad/nn';
 * const model = setBackwardMode(new Sequential(new Linear(4, 3), new ReLU()), 'tape');
 * console.log((model.children()[0] as Linear).backward); // 'tape'
 * ```
 * @category Fused vs tape
 */
export function setBackwardMode<M extends Module>(module: M, mode: BackwardMode): M {
  checkBackwardMode('setBackwardMode', mode);
  for (const m of module.modules()) if (hasBackwardMode(m)) m.backward = mode;
  return module;
}
