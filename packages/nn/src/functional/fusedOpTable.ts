/**
 * nn's fused-op table, the twin of core's `opTable`: every op that nn has in two forms, a fused
 * one (one tape node with a handwritten backward) and a composed one (core ops; the tape derives
 * the gradient), paired under one signature. Layers choose a form with {@link pickForm}, tests and
 * docs enumerate the table.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import type { BackwardMode } from '../backwardMode.js';
import { batchNormComposed, batchNormFused } from './batchNorm.js';
import { layerNormComposed, layerNormFused } from './layerNorm.js';
import { linearComposed, linearFused } from './linear.js';
import { reluComposed, reluFused } from './relu.js';
import { sumOfSquaresComposed, sumOfSquaresFused } from './sumOfSquares.js';
import { conv2dComposed, conv2dFused } from './conv2d.js';
import { batchNorm2dComposed, batchNorm2dFused } from './batchNorm2d.js';
import { groupNormComposed, groupNormFused } from './groupNorm.js';
import { rmsNormComposed, rmsNormFused } from './rmsNorm.js';
import { convReluPoolComposed, convReluPoolFused } from './convReluPool.js';
import { crossEntropyComposed, crossEntropyFused } from './crossEntropy.js';

/**
 * One op's two forms, with the same signature `F` and the same results.
 * @typeParam F - the signature both forms have.
 * @category Fused vs tape
 */
export interface FusedOpPair<F> {
  /** One tape node with a handwritten backward (`<name>Fused`); what `backward: 'fused'` runs. */
  readonly fused: F;
  /** Built from core ops, the tape derives its gradient (`<name>Composed`); what `backward: 'tape'` runs. */
  readonly composed: F;
}

/** Whether A and B are the same type (not merely assignable one to the other). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/**
 * `unknown` when the composed form has exactly the fused form's signature, else a type no
 * function has, whose key is what tsc then prints.
 */
type SameSignature<F, C> = Same<F, C> extends true ? unknown : { readonly "the composed form must have exactly the fused form's signature": F };

/**
 * A fused form and its composed twin, as a table entry; tsc rejects a twin whose signature differs
 * in any way (one argument fewer too).
 * @internal
 */
export function twins<F extends (...args: never[]) => Tensor, C extends (...args: never[]) => Tensor>(
  fused: F, composed: C & SameSignature<F, C>,
): FusedOpPair<F> {
  return Object.freeze({ fused, composed: composed as unknown as F });
}

/**
 * Every op nn has in a fused and a composed form, by name: `{ fused, composed }`, both with the
 * signature of the entry ({@link FusedOpSignature}). A form without its twin, or a twin with another
 * signature, fails `tsc`. Frozen: layers look their forms up here on every call.
 *
 * | name | fused | composed |
 * | --- | --- | --- |
 * | `linear` | {@link linearFused} | {@link linearComposed} |
 * | `relu` | {@link reluFused} | {@link reluComposed} |
 * | `batchNorm` | {@link batchNormFused} | {@link batchNormComposed} |
 * | `layerNorm` | {@link layerNormFused} | {@link layerNormComposed} |
 * | `sumOfSquares` | {@link sumOfSquaresFused} | {@link sumOfSquaresComposed} |
 * | `conv2d` | {@link conv2dFused} | {@link conv2dComposed} |
 * | `batchNorm2d` | {@link batchNorm2dFused} | {@link batchNorm2dComposed} |
 * | `groupNorm` | {@link groupNormFused} | {@link groupNormComposed} |
 * | `rmsNorm` | {@link rmsNormFused} | {@link rmsNormComposed} |
 * | `convReluPool` | {@link convReluPoolFused} | {@link convReluPoolComposed} |
 * | `crossEntropy` | {@link crossEntropyFused} | {@link crossEntropyComposed} |
 *
 * Adding a fused op: write `fooComposed` and `fooFused` with one signature (fused with
 * `defineOpWithAttrs` at module scope), add `foo: twins(fooFused, fooComposed)` here, and a sample
 * entry in `fusedOpTable.test.ts` (tsc asks for it); the layer's forward calls `pickForm('foo', this.backward)`.
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { fusedOpTable } from '@tapegrad/nn';
 * console.log(Object.keys(fusedOpTable)); // ['linear', 'relu', 'batchNorm', 'layerNorm', 'sumOfSquares', 'conv2d', 'batchNorm2d', 'groupNorm', 'rmsNorm', 'convReluPool', 'crossEntropy']
 * const x = randn([4, 3], { dtype: 'float64', requiresGrad: true });
 * const { fused, composed } = fusedOpTable.relu;
 * console.log(String(fused(x).gradFn), String(composed(x).gradFn)); // '<ReluFusedBackward>' '<ReluBackward>'
 * ```
 * @category Fused vs tape
 */
export const fusedOpTable = Object.freeze({
  linear: twins(linearFused, linearComposed),
  relu: twins(reluFused, reluComposed),
  batchNorm: twins(batchNormFused, batchNormComposed),
  layerNorm: twins(layerNormFused, layerNormComposed),
  sumOfSquares: twins(sumOfSquaresFused, sumOfSquaresComposed),
  conv2d: twins(conv2dFused, conv2dComposed),
  batchNorm2d: twins(batchNorm2dFused, batchNorm2dComposed),
  groupNorm: twins(groupNormFused, groupNormComposed),
  rmsNorm: twins(rmsNormFused, rmsNormComposed),
  convReluPool: twins(convReluPoolFused, convReluPoolComposed),
  crossEntropy: twins(crossEntropyFused, crossEntropyComposed),
} satisfies Record<string, FusedOpPair<(...args: never[]) => Tensor>>);

/** The names of the ops in {@link fusedOpTable}. @category Fused vs tape */
export type FusedOpName = keyof typeof fusedOpTable;

/** The signature both forms of fused op `P` have. @category Fused vs tape */
export type FusedOpSignature<P extends FusedOpName> = (typeof fusedOpTable)[P]['fused'];

/**
 * The form of fused op `name` that backward mode `mode` runs: `'fused'` → its fused form, `'tape'`
 * → its composed form. The one place where a mode becomes a function: every layer's `forward`
 * and FullyConnectedNet call it.
 *
 * @param name - an entry of {@link fusedOpTable}.
 * @param mode - `'fused'` or `'tape'`.
 * @returns the function, with the entry's signature.
 * @throws TypeError for a name not in the table or a mode that is neither.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { layerNormComposed, pickForm } from '@tapegrad/nn';
 * const layerNorm = pickForm('layerNorm', 'tape');
 * console.log(layerNorm === layerNormComposed); // true
 * const y = pickForm('layerNorm', 'fused')(randn([2, 5], { requiresGrad: true }), 5);
 * console.log(String(y.gradFn)); // '<LayerNormBackward>'
 * ```
 * @category Fused vs tape
 */
export function pickForm<P extends FusedOpName>(name: P, mode: BackwardMode): FusedOpSignature<P> {
  const pair = fusedOpTable[name] as FusedOpPair<FusedOpSignature<P>> | undefined;
  if (pair === undefined) throw new TypeError(`pickForm: expected one of ${Object.keys(fusedOpTable).join(', ')} (got ${String(name)})`);
  if (mode === 'fused') return pair.fused;
  if (mode === 'tape') return pair.composed;
  throw new TypeError(`${name}: backward must be 'fused' or 'tape' (got ${String(mode)})`);
}
