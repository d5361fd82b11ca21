/**
 * The spatial norms' fused forms take their outputs (y, dx) from the pool without zero-filling them,
 * since their kernels write every element. Here the pool holds arrays full of NaN of exactly those
 * lengths: the fused outputs and gradients must still equal the composed forms' (a kernel that
 * skipped an element would leave a NaN).
 */
import { describe, expect, it } from 'vitest';
import { Generator, giveBackArrays, zeros, type Tensor } from '@tapegrad/core';
import {
  batchNorm2dComposed, batchNorm2dFused, groupNormComposed, groupNormFused, rmsNormComposed, rmsNormFused,
} from '@tapegrad/nn';

const shape = [3, 4, 5, 6] as const;
const size = shape.reduce((a, b) => a * b, 1);

/**
 * Arrays of `size` elements full of NaN, given back to the pool. They are made by `zeros`, so they
 * are the pool's own and come back as they are (one it did not make would be swapped for a fresh one).
 */
function poisonPool(dtype: 'float32' | 'float64', count: number): void {
  const dead: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const t = zeros([...shape], { dtype });
    t.data.data.fill(Number.NaN);
    dead.push(t);
  }
  giveBackArrays(dead);
}

type Norm = (x: Tensor, w: Tensor, b: Tensor) => Tensor;
const pairs: [string, Norm, Norm][] = [
  ['batchNorm2d', (x, w, b) => batchNorm2dFused(x, w, b, { training: true }), (x, w, b) => batchNorm2dComposed(x, w, b, { training: true })],
  ['groupNorm', (x, w, b) => groupNormFused(x, 2, w, b), (x, w, b) => groupNormComposed(x, 2, w, b)],
  ['rmsNorm', (x, w) => rmsNormFused(x, [5, 6], w), (x, w) => rmsNormComposed(x, [5, 6], w)],
];

describe('spatial norms: outputs taken from a pool of dirty arrays', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, fused, composed] of pairs) {
      it(`${name} (${dtype}): fused y and every gradient equal the composed form's`, () => {
        const g = new Generator(7);
        const x = g.randn([...shape], { dtype }).mul(3).add(1);
        const dy = g.randn([...shape], { dtype });
        const affine = name === 'rmsNorm' ? [5, 6] : [4];
        const run = (form: Norm) => {
          const leaves = [x, g.randn(affine, { dtype }), g.randn(affine, { dtype })].map((t) => t.detach());
          for (const t of leaves) t.requiresGrad = true;
          const y = form(leaves[0]!, leaves[1]!, leaves[2]!);
          y.backward(dy);
          return { y, grads: leaves.slice(0, name === 'rmsNorm' ? 2 : 3).map((t) => t.grad!) };
        };
        const g0 = g.getState();
        const expected = run(composed);
        g.setState(g0);
        poisonPool(dtype, 4);
        const got = run(fused);
        const tol = dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 1e-5 };
        expect(got.y.toFloat64Array().every(Number.isFinite)).toBe(true);
        expect(got.y).toBeAllclose(expected.y, tol);
        got.grads.forEach((grad, i) => {
          expect(grad.toFloat64Array().every(Number.isFinite), `gradient ${i}`).toBe(true);
          expect(grad, `gradient ${i}`).toBeAllclose(expected.grads[i]!, tol);
        });
      });
    }
  }
});
