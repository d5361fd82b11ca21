/**
 * Writes into a tensor's data in place (`fill_`, `copy_`), with the checks that keep the tape
 * sound: no in-place write to an op's output, nor to a leaf that requires grad while grad mode is on.
 * @module
 * @internal
 */
import { GraphError, ShapeError } from './errors.js';
import { formatShape } from './text.js';
import { isGradEnabled } from './gradMode.js';
import { castNd, wrapNd } from './kernels/layout.js';
import { unaryInto } from './kernels/elementwise.js';
import type { Tensor } from './tensor.js';

/** Sets every element of `t` to `value` (converted to its dtype). @internal */
export function fillInPlace(t: Tensor, value: number): void {
  checkInPlace('fill_', t);
  unaryInto('copy', t.data, wrapNd(new Float64Array([value]), []));
}

/** Copies `src`, broadcast to `t`'s shape and converted to its dtype, into `t`. @internal */
export function copyInPlace(t: Tensor, src: Tensor): void {
  checkInPlace('copy_', t);
  const srcData = src.dtype === t.dtype ? src.data : castNd(src.data, t.dtype);
  checkBroadcastsTo('copy_', src.shape, t.shape);
  unaryInto('copy', t.data, srcData);
}

function checkInPlace(op: string, t: Tensor): void {
  const node = t.gradFn;
  if (node !== null) throw new GraphError(`${op}: in-place ops on a recorded op's output are not supported (got the output of ${node.name})`);
  if (t.requiresGrad && isGradEnabled()) {
    throw new GraphError(`${op}: a leaf that requires grad cannot be modified in place while grad mode is on (wrap it in noGrad)`);
  }
}

function checkBroadcastsTo(op: string, from: readonly number[], to: readonly number[]): void {
  const lead = to.length - from.length;
  const ok = lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
  if (!ok) throw new ShapeError(`${op}: source must broadcast to ${formatShape(to)} (got ${formatShape(from)})`);
}
