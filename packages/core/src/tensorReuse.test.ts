import { describe, expect, test } from 'vitest';
import { GraphError, defineOp, noGrad, randn, recyclingArrays, releaseGrad, type NdArray, type Tensor } from '@tapegrad/core';

const f64 = { dtype: 'float64' as const };

/** A training step's loss inside a scope: its tensors are noted in `seen`, the leaf gradient kept. */
function scopedStep(w: Tensor, X: Tensor, seen: Tensor[]): number {
  return recyclingArrays(() => {
    releaseGrad(w);
    const h = X.matmul(w);
    const a = h.relu();
    const out = a.sum();
    out.backward();
    seen.push(h, a, out, w.grad!);
    return out.item();
  }, () => [w.grad!]);
}

/** The same step on the tape alone (no scope), for the expected values. */
function eagerStep(w: Tensor, X: Tensor): { loss: number; grad: number[][] } {
  w.grad = null;
  const out = X.matmul(w).relu().sum();
  out.backward();
  return { loss: out.item(), grad: w.grad!.toArray() as number[][] };
}

describe('recyclingArrays reuses the tensor objects of its last call', () => {
  test('a step makes its tensors and tape nodes in the objects of the last call, with the values the tape alone gives', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const twin = randn([3, 4], { ...f64, requiresGrad: true });
    twin.data.data.set(w.data.data);
    const batches = [randn([5, 3], f64), randn([5, 3], f64), randn([5, 3], f64)];
    const calls: Tensor[][] = [];
    for (const X of batches) {
      const seen: Tensor[] = [];
      const loss = scopedStep(w, X, seen);
      const expected = eagerStep(twin, X);
      expect(loss).toBe(expected.loss);
      expect(w.grad!.toArray()).toEqual(expected.grad);
      calls.push(seen);
    }
    // from the second call on: the same objects, position by position (gradient included), and nodes
    const [, second, third] = calls as [Tensor[], Tensor[], Tensor[]];
    for (let k = 0; k < 4; k++) expect(third[k]).toBe(second[k]);
    expect(third[0]!.gradFn).not.toBeNull();
    expect(third[1]!.gradFn?.name).toBe('relu');
    expect(third[2]!.gradFn?.name).toBe('sum');
    // a reused node comes after the ones it takes: backward visits in creation order
    expect(third[2]!.gradFn!.seq).toBeGreaterThan(third[1]!.gradFn!.seq);
    expect(third[1]!.gradFn!.seq).toBeGreaterThan(third[0]!.gradFn!.seq);
  });

  test('a reused node is newer than a new one made before it in the call: backward still takes each node after its users', () => {
    const w = randn([3], { ...f64, requiresGrad: true });
    const step = () => recyclingArrays(() => {
      w.grad = null;
      const a = w.mul(2); // kept: the next call makes a new node here, after the reused ones' last numbers
      const out = a.mul(a).sum();
      out.backward();
      return a;
    }, (a) => [a, w.grad!]);
    step();
    step();
    const expected = (w.toArray() as number[]).map((v) => 8 * v); // d/dw Σ(2w)² = 8w
    const got = w.grad!.toArray() as number[];
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(expected[i]!, 12);
  });

  test('what the call made and keep does not list is released when it returns; what keep lists is not, nor reused', () => {
    const x = randn([2, 3], f64);
    let inside!: Tensor;
    const kept = recyclingArrays(() => {
      inside = x.mul(2);
      return inside.add(1);
    }, (result) => [result]);
    expect(inside.isReleased).toBe(true);
    expect(() => inside.toArray()).toThrow(GraphError);
    expect(kept.isReleased).toBe(false);
    const keptValues = kept.toArray();
    const next = recyclingArrays(() => x.mul(2).add(1), (result) => [result]);
    expect(next).not.toBe(kept); // the kept tensor's place got a new object
    expect(kept.toArray()).toEqual(keptValues);
  });

  test('a gradient released by releaseGrad is reused; one still held is not', () => {
    const w = randn([3, 2], { ...f64, requiresGrad: true });
    const X = randn([4, 3], f64);
    const step = () => recyclingArrays(() => {
      const out = X.matmul(w).sum();
      out.backward();
      return out.item();
    }, () => [w.grad!]);
    step();
    const first = w.grad!;
    releaseGrad(w);
    step();
    expect(w.grad).toBe(first);
    const second = w.grad!;
    w.grad = null; // dropped, not released: the old gradient stays the caller's
    step();
    expect(w.grad).not.toBe(second);
    expect(second.isReleased).toBe(false);
  });

  test('a node that no backward freed is not reused (its graph may still run), its tensor is', () => {
    const w = randn([3], { ...f64, requiresGrad: true });
    let first!: Tensor;
    let second!: Tensor;
    recyclingArrays(() => {
      first = w.mul(2);
      return 0;
    }, () => []);
    const node = first.gradFn;
    recyclingArrays(() => {
      second = w.mul(3);
      return 0;
    }, () => []);
    expect(second).toBe(first);
    expect(second.gradFn).not.toBe(node);
  });

  test('a call that throws releases nothing; the next call makes new tensors where it has none to reuse', () => {
    const x = randn([2], f64);
    let made!: Tensor;
    expect(() => recyclingArrays(() => {
      made = x.mul(2);
      throw new Error('boom');
    }, () => [])).toThrow('boom');
    expect(made.isReleased).toBe(false);
    const values = made.toArray();
    const next = recyclingArrays(() => x.mul(5).toArray(), () => []);
    expect(next).toEqual((x.toArray() as number[]).map((v) => v * 5));
    expect(made.toArray()).toEqual(values);
  });

  test('nested scopes: the outermost one releases and reuses; an unrecorded op reuses a recorded one\'s object', () => {
    const w = randn([2], { ...f64, requiresGrad: true });
    let inner!: Tensor;
    recyclingArrays(() => recyclingArrays(() => {
      inner = w.mul(2);
      return 0;
    }, () => [inner]), () => []);
    expect(inner.isReleased).toBe(true); // the outer keep did not list it
    let plain!: Tensor;
    recyclingArrays(() => {
      plain = noGrad(() => w.mul(4));
      return 0;
    }, () => [plain]);
    expect(plain).toBe(inner);
    expect(plain.gradFn).toBeNull();
    expect(plain.requiresGrad).toBe(false);
    expect(plain.toArray()).toEqual((w.toArray() as number[]).map((v) => v * 4));
  });

  test('a reused node starts empty: its new op\'s backward reads what that op saved, and an op that saved nothing is told so', () => {
    const w = randn([3], { ...f64, requiresGrad: true });
    const forgetful = defineOp<readonly NdArray[]>({
      name: 'forgetful',
      forward: (_ctx, x) => x,
      backward: (ctx) => [ctx.saved[0]!],
    });
    const step = (op: (x: Tensor) => Tensor) => recyclingArrays(() => {
      w.grad = null;
      op(w.mul(1)).sum().backward();
      return 0;
    }, () => [w.grad!]);
    step((x) => x.mul(x)); // mul saves its inputs; its node is freed by the backward
    step((x) => x.mul(x));
    expect(w.grad!.toArray()).toEqual((w.toArray() as number[]).map((v) => 2 * v));
    expect(() => step(forgetful)).toThrow(/forgetful.backward: forward saved nothing/);
  });
});
