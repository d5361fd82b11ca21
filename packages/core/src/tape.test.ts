import { describe, expect, test, vi } from 'vitest';
import {
  DtypeError, GraphError, ShapeError, createNdArray, defineOp, getKernels, noGrad, enableGrad, isGradEnabled, ones, randn, tensor, zeros,
} from '@tapegrad/core';

const f64 = { dtype: 'float64' as const };

describe('the tape', () => {
  test('backward accumulates into leaves that require grad and skips the others', () => {
    const x = tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const c = tensor([4, 5, 6], f64);
    x.mul(c).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 5, 6]);
    expect(c.grad).toBeNull();
    x.mul(c).sum().backward();
    expect(x.grad!.toArray()).toEqual([8, 10, 12]);
  });

  test('a tensor used twice gets the sum of both paths (x·x → 2x)', () => {
    const x = tensor([3, -1], { ...f64, requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, -2]);
  });

  test('gradients of 1024 elements or more are summed by the kernels, each element as the loop sums it', () => {
    const add = vi.spyOn(getKernels(), 'addRowVector');
    try {
      for (const dtype of ['float32', 'float64'] as const) {
        const n = 3000;
        const a = randn([n], { dtype }), b = randn([n], { dtype });
        const x = zeros([n], { dtype, requiresGrad: true });
        const h = x.mul(1);
        h.mul(a).add(h.mul(b)).sum().backward(); // summed at h, then again into x's grad below
        x.mul(b).sum().backward();
        const av = a.toArray() as number[], bv = b.toArray() as number[];
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        expect(x.grad!.toArray()).toEqual(av.map((v, i) => round(round(v + bv[i]!) + bv[i]!)));
      }
      expect(add).toHaveBeenCalledTimes(4);
    } finally {
      add.mockRestore();
    }
  });

  test('a diamond graph sums the gradients that meet at a shared intermediate', () => {
    const x = tensor([2], { ...f64, requiresGrad: true });
    const h = x.exp();
    h.mul(3).add(h.mul(h)).sum().backward();
    const e = Math.exp(2);
    expect(x.grad!.item()).toBeCloseTo(3 * e + 2 * e * e, 10);
  });

  test('the leaf gradient does not alias the upstream gradient passed in', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const g = tensor([5, 6], f64);
    x.add(0).backward(g);
    g.fill_(0);
    expect(x.grad!.toArray()).toEqual([5, 6]);
  });

  test("a leaf's first gradient is the array its op's backward made, not a copy", () => {
    let made: Float64Array | null = null;
    const twice = defineOp({
      name: 'twice',
      forward: (_ctx, x) => {
        const y = createNdArray('float64', x.shape);
        for (let i = 0; i < x.size; i++) y.data[i] = 2 * x.data[x.offset + i]!;
        return y;
      },
      backward: (_ctx, dy) => {
        const dx = createNdArray('float64', dy.shape);
        for (let i = 0; i < dy.size; i++) dx.data[i] = 2 * dy.data[dy.offset + i]!;
        made = dx.data as Float64Array;
        return [dx];
      },
    });
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    twice(x).sum().backward();
    expect(x.grad!.data.data).toBe(made);
    twice(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });

  test('a gradient passed on to two inputs, or kept by a retained tensor, is copied for each', () => {
    const fork = defineOp({
      name: 'fork',
      forward: (_ctx, a) => createNdArray('float64', a.shape),
      backward: (_ctx, dy) => [dy, dy],
    });
    const a = tensor([1, 2], { ...f64, requiresGrad: true });
    const b = tensor([3, 4], { ...f64, requiresGrad: true });
    const y = fork(a, b);
    y.retainGrad();
    y.mul(tensor([1, 10], f64)).sum().backward();
    expect(a.grad!.data.data).not.toBe(b.grad!.data.data);
    expect(y.grad!.data.data).not.toBe(a.grad!.data.data);
    fork(a, b).mul(tensor([100, 1000], f64)).sum().backward();
    expect(a.grad!.toArray()).toEqual([101, 1010]);
    expect(b.grad!.toArray()).toEqual([101, 1010]);
    expect(y.grad!.toArray()).toEqual([1, 10]);
  });

  test('a gradient passed through a view op reaches the leaf uncopied, and later backwards add into it', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { ...f64, requiresGrad: true });
    const w = tensor([[1, 2], [3, 4], [5, 6]], f64);
    x.T.mul(w).sum().backward();
    expect(x.grad!.isContiguous()).toBe(true);
    expect(x.grad!.toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
    const first = x.grad!.data.data;
    x.T.mul(w).sum().backward();
    expect(x.grad!.data.data).toBe(first);
    expect(x.grad!.toArray()).toEqual([[2, 6, 10], [4, 8, 12]]);
  });

  test('the upstream gradient passed in is never kept, even through ops that pass it on', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const g = tensor([5, 6], f64);
    x.clone().reshape([2, 1]).backward(g.reshape([2, 1]));
    x.clone().backward(g);
    expect(x.grad!.toArray()).toEqual([10, 12]);
    expect(g.toArray()).toEqual([5, 6]);
  });

  test('backward frees the graph; a second backward is a GraphError naming the op, unless retainGraph', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(GraphError);
    expect(() => y.backward()).toThrow(/sum\.backward: the graph was freed/);
  });

  test.each(['float32', 'float64'] as const)("a scalar's implicit seed (%s) is shared by every backward, and no gradient handed out is it", (dtype) => {
    const x = tensor(3, { dtype, requiresGrad: true }); // a zero-dimensional leaf: its gradient is the seed
    x.backward();
    expect(x.grad!.item()).toBe(1);
    x.grad!.data.data[0] = 5; // the user's gradient is theirs to write
    x.grad = null;
    x.backward();
    expect(x.grad!.item()).toBe(1);
    // an op whose backward hands its dy on unchanged, twice in a row, into a leaf that sums two backwards
    const passOn = defineOp({
      name: 'passOn',
      forward: (_ctx, a) => {
        const out = createNdArray(dtype, a.shape);
        out.data[0] = a.data[a.offset]!;
        return out;
      },
      backward: (_ctx, dy) => [dy],
    });
    const y = tensor(2, { dtype, requiresGrad: true });
    passOn(passOn(y)).backward();
    passOn(passOn(y)).backward();
    expect(y.grad!.item()).toBe(2);
    y.grad!.data.data[0] = -7;
    const w = tensor([4], { dtype, requiresGrad: true });
    w.reshape([]).backward(); // reshape's backward views its dy
    w.grad!.data.data[0] = 9;
    w.reshape([]).mul(2).backward();
    expect(w.grad!.toArray()).toEqual([11]);
    expect(y.grad!.item()).toBe(-7);
  });

  test('backward from a non-scalar needs a gradient of its shape and dtype', () => {
    const x = ones([2, 3], { ...f64, requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/backward: a gradient can be created implicitly only for a one-element output \(got shape \[2, 3\]\)/);
    expect(() => y.backward(ones([3, 2], f64))).toThrow(ShapeError);
    expect(() => y.backward(ones([2, 3], { dtype: 'float32' }))).toThrow(DtypeError);
    y.backward(ones([2, 3], f64));
    expect(x.grad!.toArray()).toEqual([[2, 2, 2], [2, 2, 2]]);
  });

  test('backward on a tensor that does not require grad is a GraphError', () => {
    expect(() => ones([1]).backward()).toThrow(GraphError);
  });

  test('retainGrad keeps the gradient of an intermediate', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    h.mul(h).sum().backward();
    expect(h.grad!.toArray()).toEqual([6, 12]);
    expect(x.grad!.toArray()).toEqual([18, 36]);
  });

  test('noGrad records nothing and restores the mode even when its block throws', () => {
    const x = ones([2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(noGrad(() => enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
  });

  test('detach cuts the graph but shares the data', () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const d = x.mul(1).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const view = x.detach();
    view.fill_(7);
    expect(x.toArray()).toEqual([7, 7]);
  });

  test('gradFn names the op and only leaves can change requiresGrad', () => {
    const x = ones([2], { requiresGrad: true });
    const y = x.mul(2);
    expect(y.isLeaf).toBe(false);
    expect(String(y.gradFn)).toBe('<MulBackward>');
    expect(() => (y.requiresGrad = false)).toThrow(GraphError);
    expect(() => (zeros([2], { dtype: 'int32' }).requiresGrad = true)).toThrow(DtypeError);
  });

  test('in-place changes to a leaf that requires grad are refused while grad mode is on', () => {
    const w = ones([2], { requiresGrad: true });
    expect(() => w.fill_(0)).toThrow(/fill_: a leaf that requires grad cannot be modified in place/);
    noGrad(() => w.fill_(0));
    expect(w.toArray()).toEqual([0, 0]);
  });

  test('the tape checks each gradient a backward returns and names the op', () => {
    const shapes = defineOp({
      name: 'badShape',
      forward: (_ctx, x) => createNdArray('float64', x.shape),
      backward: () => [createNdArray('float64', [7])],
    });
    const dtypes = defineOp({
      name: 'badDtype',
      forward: (_ctx, x) => createNdArray('float64', x.shape),
      backward: (_ctx, dy) => [createNdArray('float32', dy.shape)],
    });
    const count = defineOp({
      name: 'badCount',
      forward: (_ctx, x) => createNdArray('float64', x.shape),
      backward: () => [],
    });
    const x = ones([2, 3], { ...f64, requiresGrad: true });
    expect(() => shapes(x).sum().backward()).toThrow(/badShape\.backward: gradient 0 must have input 0's shape \[2, 3\] \(got \[7\]\)/);
    expect(() => dtypes(x).sum().backward()).toThrow(/badDtype\.backward: gradient 0 must have input 0's dtype float64 \(got float32\)/);
    expect(() => count(x).sum().backward()).toThrow(/badCount\.backward: must return 1 gradient\(s\), one per input \(got 0\)/);
  });

  test('ops name themselves in shape and dtype errors', () => {
    expect(() => zeros([50, 3072]).matmul(zeros([300, 100]))).toThrow('matmul: inner dims must match (got a[50, 3072] and b[300, 100])');
    expect(() => zeros([4, 3]).add(zeros([4]))).toThrow('add: shapes must broadcast (got a[4, 3] and b[4])');
    expect(() => zeros([2]).add(zeros([2], f64))).toThrow(DtypeError);
    expect(() => zeros([2], { dtype: 'int32' }).exp()).toThrow('exp: input must be float32 or float64 (got int32)');
  });

  test('a backward that needs no input gradient is not called, and null gradients are allowed', () => {
    let called = 0;
    const op = defineOp({
      name: 'firstOnly',
      forward: (_ctx, a) => createNdArray('float64', a.shape),
      backward: (ctx, dy) => { called++; return [ctx.needsGrad[0] ? dy : null, null]; },
    });
    const a = ones([2], { ...f64, requiresGrad: true });
    const b = ones([2], { ...f64, requiresGrad: true });
    op(a, b).sum().backward();
    expect(called).toBe(1);
    expect(b.grad).toBeNull();
    op(ones([2], f64), ones([2], f64));
    expect(called).toBe(1);
  });
});
