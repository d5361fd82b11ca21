import { describe, expect, test } from 'vitest';
import { GraphError, getKernels, randn, releaseGrad, releaseWithGraph, type Tensor } from '@tapegrad/core';
import { isKernelArray } from './allocator.js';

const f64 = { dtype: 'float64' as const };

/** A copy of every value of `t` (throws if it was released). */
const snapshot = (t: Tensor) => Array.from(t.toFloat64Array());

describe('releaseWithGraph', () => {
  test("a marked intermediate's array goes back when backward frees the graph; reading it then throws", () => {
    const w = randn([40, 30], { ...f64, requiresGrad: true });
    const x = randn([50, 40], f64);
    const h = releaseWithGraph(x.matmul(w));
    const out = h.relu().sum();
    out.backward();
    expect(h.isReleased).toBe(true);
    expect(() => h.data).toThrow(GraphError);
    expect(() => h.toArray()).toThrow(/given back for reuse \(got a read after that: by releaseWithGraph once backward freed its graph/);
    // later products reuse the arrays given back, zero-filled first where asked
    const again = x.matmul(w.detach());
    expect(again.toArray()).toEqual(x.detach().matmul(w.detach()).toArray());
  });

  test('nothing goes back while a recorded op that took it has not been through backward, or with retainGraph', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const h = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const side = h.exp().sum(); // a second user, not on the path of the backward below
    h.relu().sum().backward();
    expect(h.isReleased).toBe(false);
    expect(snapshot(h)).toHaveLength(8);
    expect(() => side.backward()).toThrow(GraphError); // its graph runs through the freed product
    expect(h.isReleased).toBe(false);

    const k = releaseWithGraph(randn([2, 3], f64).matmul(w));
    k.sum().backward(undefined, { retainGraph: true });
    expect(k.isReleased).toBe(false);
    k.sum().backward();
    expect(k.isReleased).toBe(false); // the second graph's sum took it, and its first one was retained
  });

  test('a view or a detached copy of it keeps it: the array is shared, so it never goes back', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const h = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const view = h.reshape([8]);
    const kept = snapshot(view);
    view.sum().backward();
    expect(h.isReleased).toBe(false);
    randn([2, 3], f64).matmul(w.detach()); // would reuse a given-back array of this length
    expect(snapshot(view)).toEqual(kept);

    const k = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const detached = k.detach();
    const before = snapshot(detached);
    k.sum().backward();
    randn([2, 3], f64).matmul(w.detach());
    expect(k.isReleased).toBe(false);
    expect(snapshot(detached)).toEqual(before);
  });

  test('a view marked instead of the op output is never given back (its array is its input\'s)', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const y = randn([2, 3], f64).matmul(w).relu(); // relu saves y for its backward
    const view = releaseWithGraph(y.reshape([8]));
    view.sum().backward();
    expect(view.isReleased).toBe(false);
    expect(w.grad!.shape).toEqual([3, 4]);
  });

  test('rejects what is not a tensor', () => {
    expect(() => releaseWithGraph(3 as unknown as Tensor)).toThrow(/releaseWithGraph: expected a Tensor \(got/);
  });
});

describe('releaseGrad', () => {
  test("sets grad to null, gives the tape's array back and releases the old gradient tensor", () => {
    const w = randn([4, 5], { ...f64, requiresGrad: true });
    const x = randn([3, 4], f64);
    x.matmul(w).sum().backward();
    const old = w.grad!;
    const want = snapshot(old);
    const array = old.data.data;
    releaseGrad(w);
    expect(w.grad).toBe(null);
    expect(old.isReleased).toBe(true);
    expect(() => old.toArray()).toThrow(GraphError);
    x.matmul(w).sum().backward();
    expect(snapshot(w.grad!)).toEqual(want); // same data, same gradient,
    expect(w.grad!.data.data).toBe(array); // in the array given back
  });

  test('a gradient that user code assigned, or one a view was taken of, keeps its values', () => {
    const w = randn([2, 3], { ...f64, requiresGrad: true });
    const mine = randn([2, 3], f64);
    w.grad = mine;
    releaseGrad(w);
    expect(w.grad).toBe(null);
    expect(mine.isReleased).toBe(false);

    w.mul(w).sum().backward();
    const view = w.grad!.T;
    const values = snapshot(view);
    releaseGrad(w);
    w.mul(3).sum().backward(); // would reuse a given-back array of this length
    expect(snapshot(view)).toEqual(values);
  });

  test('a tensor without a gradient, and what is not a tensor', () => {
    const w = randn([2], { requiresGrad: true });
    expect(() => releaseGrad(w)).not.toThrow();
    expect(() => releaseGrad({} as Tensor)).toThrow(/releaseGrad: expected a Tensor \(got/);
  });
});

describe('the pool on the WebAssembly kernels', () => {
  test.skipIf(getKernels().name !== 'wasm')('large float arrays that come back are reused from the kernels\' memory, user-made ones are made there', () => {
    const w = randn([64, 32], { requiresGrad: true });
    expect(isKernelArray(w.data.data)).toBe(true); // 2048 floats made by randn
    const x = randn([40, 64]);
    for (let step = 0; step < 3; step++) {
      releaseGrad(w);
      releaseWithGraph(x.matmul(w)).relu().sum().backward();
    }
    expect(isKernelArray(w.grad!.data.data)).toBe(true);
    expect(isKernelArray(x.matmul(w.detach()).data.data)).toBe(true); // the released [40, 32] product's place
    expect(isKernelArray(randn([10]).data.data)).toBe(false); // small ones stay plain arrays
  });
});
