import { describe, expect, test } from 'vitest';
import { GraphError, defineOp, fromArray, getKernels, giveBackArrays, noGrad, randn, releaseGrad, releaseWithGraph, type Tensor } from '@tapegrad/core';
import { copyNd } from './kernels/layout.js';
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

describe('releaseWithGraph and recorded views', () => {
  test('a marked output and a marked view of it are released together, and the array goes back', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const h = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const flat = releaseWithGraph(h.reshape([8])); // a view: h's array
    const array = h.data.data;
    flat.mul(flat).sum().backward();
    expect(h.isReleased).toBe(true);
    expect(flat.isReleased).toBe(true);
    expect(randn([2, 3], f64).matmul(w.detach()).data.data).toBe(array); // the next [2, 4] product's place
  });

  test('views of views go with their base; an unmarked view pins the array, and nothing is released', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const h = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const t = releaseWithGraph(h.T);
    const flat = releaseWithGraph(t.reshape([8]));
    flat.sum().backward();
    expect([h.isReleased, t.isReleased, flat.isReleased]).toEqual([true, true, true]);

    const k = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const kept = k.reshape([8]); // not marked: code the tape does not see may read it
    const values = snapshot(kept);
    releaseWithGraph(kept.reshape([4, 2])).sum().backward();
    expect(k.isReleased).toBe(false);
    randn([2, 3], f64).matmul(w.detach()); // would take a given-back array of this length
    expect(snapshot(kept)).toEqual(values);
  });

  test('a view that is through waits for its base; a detach of it, or a view under noGrad, pins the array', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    let flat: Tensor | null = null;
    let detached: Tensor | null = null;
    let values: number[] = [];
    // an identity on h whose backward runs after flat's node is through and before h's
    const probe = defineOp({
      name: 'probe',
      forward: (_ctx, x) => copyNd(x),
      backward: (_ctx, dy) => {
        expect(flat!.isReleased).toBe(false); // through, waiting for h
        detached = flat!.detach();
        values = snapshot(detached);
        return [dy];
      },
    });
    const h = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const p = probe(h);
    flat = releaseWithGraph(h.reshape([8]));
    flat.mul(2).sum().add(p.sum()).backward();
    expect(h.isReleased).toBe(false);
    randn([2, 3], f64).matmul(w.detach()); // would take a given-back array of this length
    expect(snapshot(detached!)).toEqual(values);

    const k = releaseWithGraph(randn([2, 3], f64).matmul(w));
    const plain = noGrad(() => k.reshape([8]));
    releaseWithGraph(k.reshape([8])).sum().backward();
    expect(k.isReleased).toBe(false);
    expect(snapshot(plain)).toHaveLength(8);
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

  test('an array that held a gradient given back, then assigned to .grad by user code, is not given back again', () => {
    const w = randn([2, 3], { ...f64, requiresGrad: true });
    w.mul(w).sum().backward();
    const old = w.grad!, array = old.data.data;
    giveBackArrays([old]); // as a training loop does (Solver, releaseGrads), not through releaseGrad
    w.grad = null;
    const reused = fromArray(array, [2, 3]); // user code's tensor over that same array
    reused.data.data.set([1, 2, 3, 4, 5, 6]);
    w.grad = reused;
    releaseGrad(w);
    expect(reused.isReleased).toBe(false);
    expect(reused.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
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
