import { describe, expect, test } from 'vitest';
import { Generator, Tensor, noGrad, relError, type Tensor as T } from '@tapegrad/core';
import { crossEntropyComposed, crossEntropyFused, linearComposed, linearFused, reluComposed, reluFused } from '@tapegrad/nn';
import { linearCalls, linearInOutFused } from './linear.js';
import { reluCalls } from './relu.js';

// The fused linear, ReLU and cross-entropy keep what their backward reads (x and W, the output, the
// logits) in a per-call state lent to their node instead of ctx.save. These tests check each way a
// call's state could be taken while its graph still needs it, against the composed forms.

const f64 = { dtype: 'float64' } as const;
const leaf = (t: T) => new Tensor(t.data, { requiresGrad: true });

/** x → linear → ReLU → linear (cs231n's [in, out] layout) → cross-entropy, fused or composed, on fresh leaves. */
function net(fused: boolean, x: T, w1: T, b1: T, w2: T, y: number[]) {
  const [xl, w1l, b1l, w2l] = [leaf(x), leaf(w1), leaf(b1), leaf(w2)];
  const h = fused ? reluFused(linearFused(xl, w1l, b1l)) : reluComposed(linearComposed(xl, w1l, b1l));
  const scores = fused ? linearInOutFused(h, w2l) : linearComposed(h, w2l.T);
  const loss = (fused ? crossEntropyFused : crossEntropyComposed)(scores, y);
  return { loss, leaves: [xl, w1l, b1l, w2l] };
}

function data(g: Generator) {
  return { x: g.randn([5, 4], f64), w1: g.randn([6, 4], f64), b1: g.randn([6], f64), w2: g.randn([6, 3], f64), y: [0, 2, 1, 1, 2] };
}

function expectSameGrads(got: T[], want: T[]) {
  for (let i = 0; i < want.length; i++) expect(relError(got[i]!.grad!, want[i]!.grad!), `grad ${i}`).toBeLessThan(1e-12);
}

describe('fused linear, ReLU and cross-entropy: the per-call states reused across calls', () => {
  test('three graphs made before any backward, then backward through each in reverse order, give the composed gradients', () => {
    const g = new Generator(21);
    const ds = [data(g), data(g), data(g)];
    const fused = ds.map((d) => net(true, d.x, d.w1, d.b1, d.w2, d.y));
    for (let i = 2; i >= 0; i--) {
      fused[i]!.loss.backward();
      const d = ds[i]!;
      const composed = net(false, d.x, d.w1, d.b1, d.w2, d.y);
      composed.loss.backward();
      expect(relError(fused[i]!.loss, composed.loss)).toBeLessThan(1e-14);
      expectSameGrads(fused[i]!.leaves, composed.leaves);
    }
  });

  test('steps that each run forward then backward reuse the same few states', () => {
    const g = new Generator(24);
    const d = data(g);
    for (let k = 0; k < 40; k++) net(true, d.x, d.w1, d.b1, d.w2, d.y).loss.backward();
    // (earlier tests' graphs were all freed too: each step takes the states they gave back)
    expect(linearCalls.count).toBeLessThanOrEqual(6);
    expect(reluCalls.count).toBeLessThanOrEqual(3);
  });

  test('a graph kept with retainGraph while other calls run gives the same gradients on its second backward', () => {
    const g = new Generator(22);
    const d = data(g), other = data(g);
    const kept = net(true, d.x, d.w1, d.b1, d.w2, d.y);
    kept.loss.backward(undefined, { retainGraph: true });
    const first = kept.leaves.map((t) => t.grad!.clone());
    for (const t of kept.leaves) t.grad = null;
    for (let k = 0; k < 3; k++) net(true, other.x, other.w1, other.b1, other.w2, other.y).loss.backward();
    kept.loss.backward();
    for (let i = 0; i < first.length; i++) expect(relError(kept.leaves[i]!.grad!, first[i]!)).toBeLessThan(1e-14);
  });

  test('a call that records nothing keeps nothing in the state it gives back', () => {
    const g = new Generator(23);
    const d = data(g);
    noGrad(() => reluFused(linearFused(leaf(d.x), leaf(d.w1), d.b1)));
    reluFused(linearFused(d.x, d.w1, d.b1)); // (no input requires grad)
    const linear = linearCalls.take(), relu = reluCalls.take(); // the free states those calls gave back
    expect([linear.saved, linear.weight, relu.saved]).toEqual([null, null, null]);
  });
});
