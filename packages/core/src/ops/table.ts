/**
 * The table of every primitive op. Each entry is an {@link OpSpec} with forward and backward side
 * by side, so a missing entry or a missing backward fails `tsc`; tests and docs enumerate it.
 * @module
 */
import type { OpSpec } from '../tape.js';
import { addOp } from './add.js';
import { subOp } from './sub.js';
import { mulOp } from './mul.js';
import { divOp } from './div.js';
import { maximumOp } from './maximum.js';
import { minimumOp } from './minimum.js';
import { powOp, powScalarOp } from './pow.js';
import { negOp } from './neg.js';
import { sqrtOp } from './sqrt.js';
import { expOp } from './exp.js';
import { logOp } from './log.js';
import { absOp } from './abs.js';
import { reluOp } from './relu.js';
import { matmulOp } from './matmul.js';
import { permuteOp } from './transpose.js';
import { reshapeOp } from './reshape.js';
import { sumOp } from './sum.js';
import { meanOp } from './mean.js';
import { varOp } from './var.js';
import { maxOp, minOp } from './max.js';
import { softmaxOp } from './softmax.js';
import { logSoftmaxOp } from './logSoftmax.js';
import { indexRowsOp } from './indexRows.js';
import { castOp } from './cast.js';
import { cloneOp } from './clone.js';
import { padOp } from './pad.js';
import { unfoldOp } from './unfold.js';

/** The names of the primitive ops, the ones with a backward of their own. @category Autograd */
export type PrimitiveName =
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'powScalar'
  | 'neg' | 'sqrt' | 'exp' | 'log' | 'abs' | 'relu'
  | 'matmul' | 'permute' | 'reshape'
  | 'sum' | 'mean' | 'var' | 'max' | 'min'
  | 'softmax' | 'logSoftmax' | 'index' | 'cast' | 'clone'
  | 'pad' | 'unfold';

/**
 * Every primitive op by name. Derived ops (`std`, `transpose`, `flatten`, `squeeze`, ...) are
 * compositions of these and need no backward of their own. Each entry is typed `OpSpec<never, never>`,
 * the type every op's spec fits whatever its attributes and saved values: the table names the ops
 * and their forward and backward; applying one takes its own spec, or the function of its name.
 *
 * @example
 * ```ts
 * import { opTable } from '@tapegrad/core';
 * console.log(Object.keys(opTable).length > 20, opTable.matmul.name); // true 'matmul'
 * ```
 * @category Autograd
 */
export const opTable: { readonly [P in PrimitiveName]: OpSpec<never, never> } = {
  add: addOp, sub: subOp, mul: mulOp, div: divOp, maximum: maximumOp, minimum: minimumOp, pow: powOp, powScalar: powScalarOp,
  neg: negOp, sqrt: sqrtOp, exp: expOp, log: logOp, abs: absOp, relu: reluOp,
  matmul: matmulOp, permute: permuteOp, reshape: reshapeOp,
  sum: sumOp, mean: meanOp, var: varOp, max: maxOp, min: minOp,
  softmax: softmaxOp, logSoftmax: logSoftmaxOp, index: indexRowsOp, cast: castOp, clone: cloneOp,
  pad: padOp, unfold: unfoldOp,
};
