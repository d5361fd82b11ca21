import { describe, expect, test } from 'vitest';
import { noGrad, randn, recyclingArrays, releaseGrad, releaseWithGraph, type NdArray, type Tensor } from '@tapegrad/core';
import { givePooled } from './allocator.js';
import { createNd, permutedView, spareView } from './kernels/layout.js';

const f64 = { dtype: 'float64' as const };

/** A copy of every value of `t`. */
const snapshot = (t: Tensor) => Array.from(t.toFloat64Array());

describe('views reused with their arrays', () => {
  test("a released intermediate's view comes back with its array, for its shape only", () => {
    const w = randn([4, 3], { ...f64, requiresGrad: true });
    const x = randn([2, 4], f64);
    const h = releaseWithGraph(x.matmul(w));
    const view = h.data;
    h.relu().sum().backward();
    expect(h.isReleased).toBe(true);
    const again = noGrad(() => x.matmul(w)); // the pool's [2, 3] array, and with it h's view
    expect(again.data).toBe(view);
    expect(again.toArray()).toEqual(x.matmul(w.detach()).toArray());

    const k = releaseWithGraph(x.matmul(w));
    const kView = k.data;
    k.sum().backward();
    const other = createNd('float64', [3, 2]); // the same length in another shape: a view of its own
    expect(other.data).toBe(kView.data); // (the array k gave back last)
    expect(other).not.toBe(kView);
    expect(other.shape).toEqual([3, 2]);
    expect(other.stride).toEqual([2, 1]);
  });

  test('an array given back without its view gets one at its next use, and that same view at the use after', () => {
    const a = createNd('float64', [7, 3]);
    givePooled('float64', a.data); // (the array alone, as recyclingArrays and giveBackArrays give it)
    const b = createNd('float64', [7, 3]);
    expect(b.data).toBe(a.data);
    expect(b.shape).toEqual([7, 3]);
    givePooled('float64', b.data);
    const c = createNd('float64', [7, 3]);
    expect(c.data).toBe(a.data);
    expect(c).toBe(b);
  });

  test('no live tensor ever gets a view another live tensor holds, over training steps', () => {
    const w1 = randn([6, 5], { ...f64, requiresGrad: true });
    const w2 = randn([5, 5], { ...f64, requiresGrad: true });
    const x = randn([4, 6], f64);
    const live = new Set<Tensor>(); // (a leaf's gradient stays the same tensor while it accumulates)
    let lastR: Tensor | null = null;
    for (let step = 0; step < 6; step++) {
      if (step % 2 === 0) {
        // every other step zeroGrad-style: the gradients' arrays and views go back
        releaseGrad(w1);
        releaseGrad(w2);
      }
      const h = releaseWithGraph(x.matmul(w1));
      const r = h.relu();
      r.retainGrad(); // r keeps its gradient: it must never be handed out again
      const out = releaseWithGraph(r.matmul(w2));
      const loss = out.mul(out).sum();
      loss.backward();
      for (const t of [r, r.grad!, loss, w1.grad!, w2.grad!]) live.add(t);
      lastR = r;
      const seen = new Map<NdArray, Tensor>();
      for (const t of live) {
        if (t.isReleased) continue; // given back by releaseGrad: no longer live
        expect(seen.get(t.data), `a view two live tensors hold, at step ${step}`).toBeUndefined();
        seen.set(t.data, t);
      }
    }
    // the live ones still hold their own values: the last step's r, recomputed from scratch
    expect(snapshot(lastR!)).toEqual(snapshot(x.matmul(w1.detach()).relu()));
  });

  test("arrays a recycling scope gives back come with the views createNd made for them; the kept ones' never do", () => {
    const w = randn([5, 4], { ...f64, requiresGrad: true });
    const x = randn([3, 5], f64);
    let inner: NdArray | null = null;
    const kept = recyclingArrays(() => {
      const h = x.matmul(w);
      inner = h.data;
      const out = h.relu().mul(2);
      out.sum().backward();
      return out;
    }, (out) => [out, w.grad!]);
    const keptValues = snapshot(kept);
    const views = new Set<NdArray>();
    for (let k = 0; k < 6; k++) views.add(noGrad(() => x.matmul(w)).data); // [3, 4] arrays from the pool
    expect(views.has(inner!)).toBe(true); // h's view came back with its array
    expect(views.has(kept.data)).toBe(false);
    expect(views.has(w.grad!.data)).toBe(false);
    expect(snapshot(kept)).toEqual(keptValues);
  });

  test('a retained gradient and a leaf gradient taken as they are keep their views', () => {
    const w = randn([3, 3], { ...f64, requiresGrad: true });
    const h = w.mul(2);
    h.retainGrad();
    h.mul(h).sum().backward(); // dh = 2h: the tape's array, kept by h.grad
    const kept = h.grad!.data;
    const values = snapshot(h.grad!);
    for (let k = 0; k < 4; k++) w.mul(w).sum().backward(); // later gradients of this shape come and go
    expect(h.grad!.data).toBe(kept);
    expect(snapshot(h.grad!)).toEqual(values);
  });

  test('only a view in the layout createNd makes is kept, and only while it still views that array', () => {
    const a = createNd('float64', [4, 5]);
    const transposed = a.transpose(1, 0); // [5, 4], strides [1, 5]: not createNd's layout for [5, 4]
    spareView(transposed);
    givePooled('float64', a.data);
    const b = createNd('float64', [5, 4]);
    expect(b.data).toBe(a.data); // the pool's array
    expect(b).not.toBe(transposed);
    expect(b.stride).toEqual([4, 1]);

    const c = createNd('float64', [6, 7]);
    spareView(c);
    const array = c.data;
    (c as { data: NdArray['data'] }).data = new Float64Array(42); // as optim's zerosBuffer does to a new view
    givePooled('float64', array);
    const d = createNd('float64', [6, 7]);
    expect(d.data).toBe(array);
    expect(d).not.toBe(c); // c no longer views that array
  });

  test("a permuted view is made once per view and permutation, and only while that view's layout is the same", () => {
    const w = randn([3, 5], { ...f64, requiresGrad: true });
    const a = w.T, b = w.T;
    expect(a).not.toBe(b); // two tensors, two nodes,
    expect(a.data).toBe(b.data); // one view of w's array
    expect(a.toArray()).toEqual(transposeOf(w));
    expect(w.permute([-1, 0]).data).toBe(a.data); // the same permutation, resolved
    const nd = createNd('float64', [2, 4]);
    const t = permutedView(nd, [1, 0]);
    expect(permutedView(nd, [1, 0])).toBe(t);
    expect(permutedView(nd, [0, 1])).not.toBe(t);
    (nd as { data: NdArray['data'] }).data = new Float64Array(8); // a view re-pointed (as optim's zerosBuffer does)
    const u = permutedView(nd, [0, 1]);
    expect(u.data).toBe(nd.data);
    expect(permutedView(nd, [1, 0]).data).toBe(nd.data);
    // gradients through the shared views
    a.mul(b).sum().backward(); // d(Σ (wᵀ)²)/dw = 2w
    expect(w.grad!.toArray()).toEqual((w.detach().mul(2).toArray()));
  });
});

/** The transpose of a 2-D tensor, as nested arrays, computed by hand. */
function transposeOf(t: Tensor): number[][] {
  const rows = t.detach().toArray() as number[][];
  return rows[0]!.map((_, j) => rows.map((row) => row[j]!));
}
