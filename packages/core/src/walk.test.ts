import { describe, expect, test } from 'vitest';
import { GraphError, createNdArray, defineOp, tensor, type NdArray, type Tensor } from '@tapegrad/core';

const f64 = { dtype: 'float64' as const };

/** An identity op whose backward first runs `during()` (a backward of its own). */
function probe(during: () => void): (x: Tensor) => Tensor {
  return defineOp({
    name: 'probe',
    forward: (_ctx, x) => {
      const y = createNdArray('float64', x.shape);
      for (let i = 0; i < x.size; i++) y.data[i] = x.data[x.offset + i]!;
      return y;
    },
    backward: (_ctx, dy) => {
      during();
      return [dy];
    },
  });
}

describe('backward walks reuse their storage, and nest', () => {
  test('a backward run inside an op backward, on a graph of its own, leaves the outer one intact', () => {
    const a = tensor([0.5, -1], { ...f64, requiresGrad: true });
    const b = tensor([2, 3], { ...f64, requiresGrad: true });
    const inner = probe(() => b.mul(b).sum().backward()); // db = 2b
    const h = a.exp();
    h.mul(inner(h)).sum().backward(); // d(e^{2a})/da = 2e^{2a}, through two paths that meet at h
    expect(b.grad!.toArray()).toEqual([4, 6]);
    const expected = [0.5, -1].map((v) => 2 * Math.exp(2 * v));
    (a.grad!.toArray() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
  });

  test('a backward run inside an op backward, through a node the outer walk holds a gradient for', () => {
    const x = tensor([0.25, 1], { ...f64, requiresGrad: true });
    const h = x.exp();
    // when probe's backward runs, the outer walk has h's gradient from mul pending (h); the inner
    // walk sends h a gradient of ones and goes through h's node first (retained, so the outer one can)
    let afterInner: number[] = [];
    const inner = probe(() => {
      h.sum().backward(undefined, { retainGraph: true });
      afterInner = x.grad!.toArray() as number[];
    });
    h.mul(inner(h)).sum().backward();
    // inner: dx = e^x, by itself (the outer gradient pending at h must not flow into it); then the
    // outer adds d(e^{2x})/dx = 2e^{2x}, all of it (the inner walk must not have taken h's share)
    afterInner.forEach((g, i) => expect(g).toBeCloseTo(Math.exp([0.25, 1][i]!), 12));
    const expected = [0.25, 1].map((v) => Math.exp(v) + 2 * Math.exp(2 * v));
    (x.grad!.toArray() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
    expect(h.gradFn!.pendingGrad).toBeNull();
    expect(h.gradFn!.walkId).toBe(0);
  });

  test('an inner backward that frees a node the outer walk needs makes the outer one throw', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const h = x.exp();
    const inner = probe(() => h.sum().backward());
    expect(() => h.mul(inner(h)).sum().backward()).toThrow(GraphError);
  });

  test('a backward that throws midway leaves no marks or gradients on the nodes', () => {
    let fail = true;
    const flaky = defineOp({
      name: 'flaky',
      forward: (_ctx, x) => {
        const y = createNdArray('float64', x.shape);
        y.data.set(x.data.subarray(x.offset, x.offset + x.size));
        return y;
      },
      backward: (_ctx, dy: NdArray) => {
        if (fail) throw new Error('flaky: failed on purpose');
        return [dy];
      },
    });
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const h = x.mul(3);
    const y = flaky(h).mul(h).sum();
    expect(() => y.backward(undefined, { retainGraph: true })).toThrow(/failed on purpose/);
    expect(h.gradFn!.pendingGrad).toBeNull(); // it had mul's gradient pending when flaky threw
    expect(h.gradFn!.walkId).toBe(0);
    fail = false;
    y.backward();
    expect(x.grad!.toArray()).toEqual([18, 36]); // d(9x²)/dx = 18x
  });

  test('nodes are visited after every node that sends them a gradient, whatever order the search finds them in', () => {
    // a ladder where each rung reads two earlier ones: the depth-first search meets nodes far from creation order
    const x = tensor([0.3], { ...f64, requiresGrad: true });
    const rungs: Tensor[] = [x.mul(1), x.mul(2)];
    for (let k = 2; k < 40; k++) rungs.push(rungs[k - 1]!.mul(0.5).add(rungs[k - 2]!.mul(0.25)));
    rungs[39]!.sum().backward();
    // rung k = c_k·x with c_k = c_{k-1}/2 + c_{k-2}/4: dx = c_39
    const c = [1, 2];
    for (let k = 2; k < 40; k++) c.push(c[k - 1]! / 2 + c[k - 2]! / 4);
    expect(x.grad!.item()).toBeCloseTo(c[39]!, 14);
  });
});
