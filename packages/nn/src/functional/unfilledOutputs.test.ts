/**
 * Fused ops whose kernels write every element of their outputs take those arrays from the pool
 * without zero-filling them. Each op here runs forward and backward twice: once as is, once after the
 * pool was filled with NaN arrays of every length the op allocates. The results must be the same to
 * the bit (an element a kernel skipped would show the NaN, or an earlier value).
 */
import { describe, expect, it } from 'vitest';
import { Generator, giveBackArrays, zeros, type Tensor } from '@tapegrad/core';
import { avgPool2d, conv2dFused, convReluPoolFused, layerNormFused, maxPool2d, reluFused } from '@tapegrad/nn';

/**
 * Gives back `count` NaN-filled arrays of each length. They are made by `zeros`, so they are the
 * pool's own (in the kernels' memory where those run) and come back as they are; an array the pool
 * did not make would be swapped for a fresh, zeroed one.
 */
function poisonPool(dtype: 'float32' | 'float64', lengths: readonly number[], count = 3): void {
  const dead: Tensor[] = [];
  for (const length of lengths) {
    for (let i = 0; i < count; i++) {
      const t = zeros([length], { dtype });
      t.data.data.fill(Number.NaN);
      dead.push(t);
    }
  }
  giveBackArrays(dead);
}

interface Case {
  name: string;
  input: number[];
  params: number[][];
  op: (x: Tensor, params: Tensor[]) => Tensor;
}

const cases: Case[] = [
  { name: 'reluFused', input: [8, 160], params: [], op: (x) => reluFused(x) },
  { name: 'layerNormFused', input: [8, 160], params: [[160], [160]], op: (x, [w, b]) => layerNormFused(x, 160, w, b) },
  { name: 'maxPool2d', input: [2, 3, 16, 16], params: [], op: (x) => maxPool2d(x, 2) },
  { name: 'avgPool2d', input: [2, 3, 16, 16], params: [], op: (x) => avgPool2d(x, 3, { stride: 2, padding: 1 }) },
  { name: 'conv2dFused', input: [2, 3, 12, 12], params: [[4, 3, 3, 3], [4]], op: (x, [w, b]) => conv2dFused(x, w!, b, { padding: 1 }) },
  { name: 'convReluPoolFused', input: [2, 3, 12, 12], params: [[4, 3, 3, 3], [4]], op: (x, [w, b]) => convReluPoolFused(x, w!, b, { conv: { padding: 'same' } }) },
];

describe('fused ops with unfilled outputs: the same results from a pool of NaN arrays', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const c of cases) {
      it(`${c.name} (${dtype})`, () => {
        const run = () => {
          const g = new Generator(3);
          const x = g.randn(c.input, { dtype, requiresGrad: true });
          const params = c.params.map((shape) => g.randn(shape, { dtype, requiresGrad: true }));
          const y = c.op(x, params);
          y.backward(g.randn([...y.shape], { dtype }));
          return [y, x.grad!, ...params.map((p) => p.grad!)].map((t) => Array.from(t.toFloat64Array()));
        };
        const clean = run();
        const lengths = [...new Set(clean.map((values) => values.length))];
        poisonPool(dtype, lengths);
        const again = run();
        for (const values of again) expect(values.every(Number.isFinite)).toBe(true);
        expect(again).toEqual(clean);
      });
    }
  }
});
