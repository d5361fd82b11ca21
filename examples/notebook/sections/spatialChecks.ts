/**
 * What the "Beyond the notebook" sections share: numpy's per-channel and per-group statistics of
 * `[N, C, H, W]` arrays, and cs231n's gradient-check cell (`eval_numerical_gradient_array` against
 * the analytic gradients, printed as `rel_error`s) for a normalization of `(x, gamma, beta)`.
 * @module
 */
import { Tensor, numericalGradientArray, relError } from '@tapegrad/core';
import { NpArray, pyExp } from '../../shared/pyFormat.js';
import { npMeanStd } from '../../shared/npStats.js';
import type { SectionContext } from '../section.js';

/** numpy's `x.mean(axis=(0, 2, 3))` and `x.std(axis=(0, 2, 3))` of `[N, C, H, W]`: per channel. */
export function channelMeanStd(x: Tensor): { means: number[]; stds: number[] } {
  return npMeanStd(x.permute([1, 0, 2, 3]).reshape([x.shape[1]!, -1]), 1);
}

/** numpy's `x.reshape((N*G, -1)).mean(axis=1)` and `.std(axis=1)`: per (sample, group). */
export function groupMeanStd(x: Tensor, groups: number): { means: number[]; stds: number[] } {
  return npMeanStd(x.reshape([x.shape[0]! * groups, -1]), 1);
}

/** The cell's `print('  Shape: ', x.shape)`, `print('  Means: ', ...)`, `print('  Stds: ', ...)`. */
export function printShapeMeansStds(ctx: SectionContext, x: Tensor, stats: { means: number[]; stds: number[] }, capital = true): void {
  const [shape, means, stds] = capital ? ['Shape', 'Means', 'Stds'] : ['shape', 'means', 'stds'];
  ctx.print(`  ${shape}: `, `(${x.shape.join(', ')})`);
  ctx.print(`  ${means}: `, new NpArray(stats.means));
  ctx.print(`  ${stds}: `, new NpArray(stats.stds));
}

/** A normalization of `(x, gamma, beta)`. */
export type NormFn = (x: Tensor, gamma: Tensor, beta: Tensor) => Tensor;

/** The relative errors of one path's gradients against the numerical ones. */
export interface GradErrors {
  dx: number;
  dgamma: number;
  dbeta: number;
}

/** The gradients of sum(f(x, gamma, beta)·dout) by the tape. */
function analytic(f: NormFn, inputs: Tensor[], dout: Tensor): Tensor[] {
  const leaves = inputs.map((t) => new Tensor(t.clone().data, { requiresGrad: true }));
  f(leaves[0]!, leaves[1]!, leaves[2]!).backward(dout);
  return leaves.map((l) => l.grad!);
}

/** What {@link gradCheckCell} measured. */
export interface GradCheck {
  /** The tape's gradients of the composed form against centred differences with cs231n's step, h = 1e-5 (what the cell prints). */
  tape: GradErrors;
  /** The fused form's gradients against the same numerical gradients. */
  fused: GradErrors;
  /**
   * The tape's gradients against a fourth-order difference (Richardson's (4·D(h) − D(2h))/3 of the
   * centred differences D, h = 1e-3), whose rounding noise is a hundred times smaller than at h = 1e-5.
   */
  tapeFine: GradErrors;
  /** The fused form's gradients against those. */
  fusedFine: GradErrors;
  /** The fused form's gradients against the tape's (no finite differences). */
  fusedVsTape: GradErrors;
  /** The largest |numerical − tape| over dx at h = 1e-5, and the size of the dx entry with the largest relative error. */
  dxNoise: { maxAbsDiff: number; worstEntry: number };
}

/**
 * cs231n's gradient-check cell: numerical gradients of `composed` (centred differences with
 * `eval_numerical_gradient_array`'s h = 1e-5, and a fourth-order difference) against the tape's
 * gradients of `composed` and of `fused`, and the two analytic gradients against each other.
 */
export function gradCheckCell(composed: NormFn, fused: NormFn, x: Tensor, gamma: Tensor, beta: Tensor, dout: Tensor): GradCheck {
  const numeric = (h: number) => [
    numericalGradientArray((t) => composed(t, gamma, beta), x.clone(), dout, { h }),
    numericalGradientArray((g) => composed(x, g, beta), gamma.clone(), dout, { h }),
    numericalGradientArray((b) => composed(x, gamma, b), beta.clone(), dout, { h }),
  ];
  const richardson = (h: number) => {
    const [d1, d2] = [numeric(h), numeric(2 * h)];
    return d1.map((d, i) => d.mul(4).sub(d2[i]!).div(3));
  };
  const errors = (want: Tensor[], got: Tensor[]): GradErrors => ({
    dx: relError(want[0]!, got[0]!), dgamma: relError(want[1]!, got[1]!), dbeta: relError(want[2]!, got[2]!),
  });
  const [n5, fine] = [numeric(1e-5), richardson(1e-3)];
  const tape = analytic(composed, [x, gamma, beta], dout), viaFused = analytic(fused, [x, gamma, beta], dout);
  const num = n5[0]!.toFloat64Array(), an = tape[0]!.toFloat64Array();
  let maxAbsDiff = 0, worst = 0, worstEntry = 0;
  for (let i = 0; i < an.length; i++) {
    const d = Math.abs(an[i]! - num[i]!);
    maxAbsDiff = Math.max(maxAbsDiff, d);
    const rel = d / Math.max(1e-8, Math.abs(an[i]!) + Math.abs(num[i]!));
    if (rel > worst) [worst, worstEntry] = [rel, an[i]!];
  }
  return {
    tape: errors(n5, tape), fused: errors(n5, viaFused), tapeFine: errors(fine, tape), fusedFine: errors(fine, viaFused),
    fusedVsTape: errors(tape, viaFused), dxNoise: { maxAbsDiff, worstEntry },
  };
}

/** The notes of a gradient-check section: the fused form's errors, what limits dx's, and the finer check. */
export function gradCheckNotes(fusedName: string, c: GradCheck): { notes: string[]; inRange: boolean } {
  const inRange = Math.max(worstError(c.tapeFine), worstError(c.fusedFine)) <= 1e-8;
  const e = (v: GradErrors) => `dx ${pyExp(v.dx, 2)}, dgamma ${pyExp(v.dgamma, 2)}, dbeta ${pyExp(v.dbeta, 2)}`;
  return {
    inRange,
    notes: [
      `The fused form (${fusedName}) against the same numerical gradients: ${e(c.fused)}.`,
      `dx's relative error at cs231n's step h = 1e-5 is the finite differences' rounding: the largest |numerical − analytic| over dx is `
      + `${pyExp(c.dxNoise.maxAbsDiff, 2)}, and the worst relative error sits on an entry of size ${pyExp(Math.abs(c.dxNoise.worstEntry), 2)}. `
      + `Against a fourth-order difference (h = 1e-3, a hundred times less rounding noise) the errors are: tape ${e(c.tapeFine)}; `
      + `fused ${e(c.fusedFine)}: ${inRange ? 'all at most' : 'NOT all under'} 1e-8.`,
      `The fused and the tape gradients against each other (no finite differences): ${e(c.fusedVsTape)}.`,
    ],
  };
}

/** The worst of a path's three errors. */
export const worstError = (e: GradErrors): number => Math.max(e.dx, e.dgamma, e.dbeta);
