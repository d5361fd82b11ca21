import { describe, expect, test } from 'vitest';
import { arange, randn, type Tensor } from '@tapegrad/core';

const f64 = { dtype: 'float64' as const };

/** The attributes the op that made `t` keeps on its node. */
const attrsOf = (t: Tensor) => (t.gradFn as unknown as { attrs: unknown }).attrs;

describe('attributes shared by calls with the same arguments', () => {
  test('reductions over every dim or one dim share one frozen object per rank, dim and keepdim', () => {
    const x = randn([2, 3], { ...f64, requiresGrad: true });
    const a = x.mean(), b = x.mean();
    expect(attrsOf(a)).toBe(attrsOf(b));
    expect(Object.isFrozen(attrsOf(a))).toBe(true);
    expect(Object.isFrozen((attrsOf(a) as { dims: number[] }).dims)).toBe(true);
    expect(attrsOf(x.sum(1))).toBe(attrsOf(x.sum(-1)));
    expect(attrsOf(x.sum(1))).not.toBe(attrsOf(x.sum(0)));
    expect(attrsOf(x.sum(1, true))).not.toBe(attrsOf(x.sum(1)));
    expect(attrsOf(x.sum([0, 1]))).not.toBe(attrsOf(x.sum([0, 1]))); // (a list: a new object, as before)
  });

  test('calls of different ranks, dims and keepdim, in turn, each reduce what they name', () => {
    const m = arange(6, undefined, 1, f64).reshape(2, 3); // [[0, 1, 2], [3, 4, 5]]
    const c = arange(24, undefined, 1, f64).reshape(2, 3, 4);
    for (let round = 0; round < 2; round++) {
      expect(m.sum().item()).toBe(15);
      expect(c.sum().item()).toBe(276);
      expect(m.sum(undefined, true).shape).toEqual([1, 1]);
      expect(c.sum(undefined, true).shape).toEqual([1, 1, 1]);
      expect(m.sum(0).toArray()).toEqual([3, 5, 7]);
      expect(m.sum(1).toArray()).toEqual([3, 12]);
      expect(m.mean(1, true).toArray()).toEqual([[1], [4]]);
      expect(c.mean(1).shape).toEqual([2, 4]);
      expect(c.sum(0).shape).toEqual([3, 4]);
      expect(m.max(1).toArray()).toEqual([2, 5]);
    }
  });

  test("a reduction's gradient over every dim reaches every element, also of a strided input", () => {
    const base = arange(12, undefined, 1, { ...f64, requiresGrad: true });
    const x = base.reshape(3, 4).T; // [4, 3], strided
    x.mean().backward();
    expect(Array.from(base.grad!.toFloat64Array())).toEqual(new Array(12).fill(1 / 12));
    const y = randn([5], { ...f64, requiresGrad: true });
    y.sum().mul(3).backward();
    expect(Array.from(y.grad!.toFloat64Array())).toEqual([3, 3, 3, 3, 3]);
  });

  test('softmax and logSoftmax share one frozen object per dim and use their own dim', () => {
    const x = randn([3, 4], { ...f64, requiresGrad: true });
    expect(attrsOf(x.logSoftmax(1))).toBe(attrsOf(x.logSoftmax(-1)));
    expect(attrsOf(x.softmax(0))).toEqual({ dim: 0 });
    expect(Object.isFrozen(attrsOf(x.softmax(0)))).toBe(true);
    for (const dim of [0, 1, 0]) {
      const sums = [...(x.softmax(dim).sum(dim).toArray() as number[]), ...(x.logSoftmax(dim).exp().sum(dim).toArray() as number[])];
      expect(sums.length).toBe(dim === 0 ? 8 : 6);
      sums.forEach((s) => expect(s).toBeCloseTo(1, 12));
    }
  });

  test('reshape shares the attributes of a recent call to the same resolved shape', () => {
    const six = randn([6], { ...f64, requiresGrad: true }), eight = randn([8], { ...f64, requiresGrad: true });
    const a = six.reshape(-1, 2), b = eight.reshape(-1, 2), c = six.reshape(3, 2);
    expect(a.shape).toEqual([3, 2]);
    expect(b.shape).toEqual([4, 2]); // the same request resolved for another size
    expect(attrsOf(a)).toBe(attrsOf(c));
    expect(attrsOf(a)).not.toBe(attrsOf(b));
    expect(Object.isFrozen((attrsOf(a) as { shape: number[] }).shape)).toBe(true);
    const requested = [2, 3];
    const d = six.reshape(requested);
    requested[0] = 3; // the caller's array is not the node's
    expect((attrsOf(d) as { shape: number[] }).shape).toEqual([2, 3]);
    d.sum().backward();
    expect(six.grad!.shape).toEqual([6]);
  });
});
