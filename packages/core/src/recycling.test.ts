import { describe, expect, test } from 'vitest';
import { fromArray, getKernels, giveBackArrays, randn, recyclingArrays, releaseGrad, tensor, zeros } from '@tapegrad/core';
import { pooledArrayBytes } from './allocator.js';
import { jsKernels } from './kernels/jsKernels.js';

const f64 = { dtype: 'float64' as const };

describe('recyclingArrays', () => {
  test('the arrays made inside come back, zero-filled, to later allocations of their length; kept ones do not', () => {
    const x = tensor([[1, 2], [3, 4]], f64);
    let dead!: Float64Array;
    const kept = recyclingArrays(() => {
      const t = x.mul(3);
      dead = t.data.data as Float64Array;
      return x.add(1);
    }, (result) => [result]);
    expect(Array.from(dead)).toEqual([3, 6, 9, 12]);
    const reused = x.mul(0.5); // same dtype and length: the array given back
    expect(reused.data.data).toBe(dead);
    expect(reused.toArray()).toEqual([[0.5, 1], [1.5, 2]]);
    const fresh = zeros([4], f64); // the pool had one array of that length: this one is new and zeroed
    expect(fresh.data.data).not.toBe(dead);
    expect(fresh.data.data).not.toBe(kept.data.data);
    expect(kept.toArray()).toEqual([[2, 3], [4, 5]]);
  });

  test('a backward inside: intermediate gradients are given back, leaf gradients listed in keep survive the next step', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const [X1, X2] = [randn([5, 3], f64), randn([5, 3], f64)];
    const step = (X: ReturnType<typeof randn>) => recyclingArrays(() => {
      w.grad = null;
      const out = X.matmul(w).relu().sum();
      out.backward();
      return out.item();
    }, () => [w.grad!]);
    step(X1);
    const g1 = w.grad!;
    const g1Values = g1.toArray();
    expect(pooledArrayBytes()).toBeGreaterThan(0);
    step(X2); // other data, so a reused first gradient would now hold other values
    const g2Values = w.grad!.toArray();
    expect(g2Values).not.toEqual(g1Values);
    expect(w.grad!.data.data).not.toBe(g1.data.data);
    expect(g1.toArray()).toEqual(g1Values); // the first step's gradient was kept, not reused
  });

  test('nested scopes: the outermost gives back, and keeps what it lists even when an inner scope did not', () => {
    const x = tensor([1, 2, 3], f64);
    let inner!: Float64Array, innerKept!: Float64Array;
    const result = recyclingArrays(() => {
      const r = recyclingArrays(() => {
        inner = x.mul(2).data.data as Float64Array;
        return x.mul(5);
      }, (t) => [t]);
      innerKept = r.data.data as Float64Array;
      expect(x.mul(7).data.data).not.toBe(inner); // not given back before the outer scope ends
      return r;
    }, (r) => [r]);
    expect(result.toArray()).toEqual([5, 10, 15]);
    const again = [x.mul(1), x.mul(1)].map((t) => t.data.data);
    expect(again).toContain(inner);
    expect(again).not.toContain(innerKept);
  });

  test('an exception inside gives nothing back', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7], f64);
    let made!: Float64Array;
    expect(() => recyclingArrays(() => {
      made = x.mul(2).data.data as Float64Array;
      throw new Error('boom');
    }, () => [])).toThrow('boom');
    expect(x.mul(3).data.data).not.toBe(made);
  });

  test("a scope that threw leaves nothing in the record the next scope of its depth uses", () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7], f64);
    let made!: Float64Array;
    expect(() => recyclingArrays(() => {
      made = x.mul(2).data.data as Float64Array;
      throw new Error('boom');
    }, () => [])).toThrow('boom');
    recyclingArrays(() => x.add(1).sum(), () => []);
    // what the failed scope made may still be held (here, by `made`): it must not be handed out
    expect([x.mul(3), x.mul(3), x.mul(3)].map((t) => t.data.data)).not.toContain(made);
  });

  test('a scope run inside keep gives back its own arrays and leaves the outer one its list', () => {
    const x = tensor([1, 2, 3, 4, 5], f64), three = tensor([1, 2, 3], f64);
    let innerMade!: Float64Array, outerMade!: Float64Array;
    const result = recyclingArrays(() => {
      outerMade = x.mul(2).data.data as Float64Array;
      return x.mul(10);
    }, (r) => {
      recyclingArrays(() => {
        innerMade = three.mul(2).data.data as Float64Array;
        return null;
      }, () => []);
      return [r];
    });
    expect(three.mul(1).data.data).toBe(innerMade);
    const again = [x.mul(1), x.mul(1)].map((t) => t.data.data);
    expect(again).toContain(outerMade);
    expect(again).not.toContain(result.data.data);
    expect(result.toArray()).toEqual([10, 20, 30, 40, 50]);
  });

  test('long-lived kernel buffers (the TypeScript kernels\' allocate) are never recorded', () => {
    let buffer!: Float64Array;
    recyclingArrays(() => {
      buffer = jsKernels.allocate('float64', 11) as Float64Array;
      buffer[0] = 42;
    }, () => []);
    const next = tensor(new Array<number>(11).fill(1), f64).mul(1);
    expect(next.data.data).not.toBe(buffer);
    expect(buffer[0]).toBe(42);
  });

  test('giveBackArrays: the next allocation of that length gets the array, zero-filled; a product (which writes every element) reuses it as it is', () => {
    const junk = tensor([[7, 7, 7], [7, 7, 7]], f64);
    const array = junk.data.data;
    giveBackArrays([junk, junk]); // given once
    const z = zeros([6], f64);
    expect(z.data.data).toBe(array);
    expect(z.toArray()).toEqual([0, 0, 0, 0, 0, 0]);
    giveBackArrays([z]);
    Float64Array.prototype.fill.call(array, 9);
    const product = tensor([[1], [2]], f64).matmul(tensor([[1, 2, 3]], f64));
    expect(product.data.data).toBe(array);
    expect(product.toArray()).toEqual([[1, 2, 3], [2, 4, 6]]);
    giveBackArrays([product]);
    Float64Array.prototype.fill.call(array, 9);
    const empty = zeros([2, 0], f64).matmul(zeros([0, 3], f64)); // depth 0: all zeros, none left from before
    expect(empty.data.data).toBe(array);
    expect(empty.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  test('giveBackArrays: a plain large float array comes back as a buffer of its size in the kernels\' memory; one there already comes back as it is', () => {
    const big = fromArray(new Float32Array(65536)); // a plain array, wrapped
    const bigArray = big.data.data;
    giveBackArrays([big]);
    expect(big.isReleased).toBe(true);
    const next = zeros([65536], { dtype: 'float32' });
    const nextArray = next.data.data;
    // swapped for one in the WebAssembly memory where those kernels run; the TypeScript kernels have none
    if (getKernels().name === 'wasm') expect(nextArray).not.toBe(bigArray);
    else expect(nextArray).toBe(bigArray);
    expect(nextArray.length).toBe(65536);
    giveBackArrays([next]);
    expect(zeros([65536], { dtype: 'float32' }).data.data).toBe(nextArray);
  });

  test('bad input is a named error, and gives nothing back', () => {
    expect(() => recyclingArrays(null as unknown as () => number, () => [])).toThrow(new TypeError('recyclingArrays: fn and keep must be functions (got object and function)'));
    const x = tensor([1, 2, 3, 4, 5], f64);
    let made!: Float64Array;
    expect(() => recyclingArrays(() => {
      made = x.mul(2).data.data as Float64Array;
      return 1;
    }, () => [made as unknown as ReturnType<typeof tensor>])).toThrow(new TypeError('recyclingArrays: keep must list tensors (got Float64Array)'));
    expect(x.mul(3).data.data).not.toBe(made);
    const t = x.mul(4);
    expect(() => giveBackArrays([t, 5 as unknown as typeof t])).toThrow(new TypeError('giveBackArrays: tensors must all be tensors (got number); nothing was given back'));
    expect(x.mul(5).data.data).not.toBe(t.data.data);
    expect(() => giveBackArrays(null as unknown as [])).toThrow(new TypeError('giveBackArrays: tensors must be an iterable of tensors (got null)'));
  });

  test('giveBackArrays gives an array two of its tensors share once, in a short list and in a long one', () => {
    for (const length of [3, 40]) {
      for (const asArray of [true, false]) {
        const x = randn([11], f64);
        const made = Array.from({ length }, () => x.mul(2));
        const list = [...made, made[1]!, made[1]!.reshape([11])]; // one array three times
        giveBackArrays(asArray ? list : new Set(list));
        const next = Array.from({ length: length + 2 }, () => x.mul(1).data.data);
        expect(new Set(next).size, `${length} ${asArray}`).toBe(length + 2); // none handed out twice
      }
    }
  });

  test('an array given back twice (a scope, then giveBackArrays inside an outer scope) is handed out once', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], f64);
    let inner!: ReturnType<typeof tensor>;
    let innerArray!: unknown;
    recyclingArrays(() => {
      inner = x.mul(2);
      innerArray = inner.data.data;
      giveBackArrays([inner]); // given back here, and again when the scope ends
      return null;
    }, () => []);
    const a = x.mul(1), b = x.mul(1);
    expect(a.data.data).not.toBe(b.data.data);
    expect([a.data.data, b.data.data]).toContain(innerArray);
  });

  test('a gradient given back with giveBackArrays is released: releaseGrad (zeroGrad) cannot give its array back a second time', () => {
    const w = tensor(Array.from({ length: 2048 }, (_, i) => i), { ...f64, requiresGrad: true });
    const x = tensor(Array.from({ length: 2048 }, (_, i) => i + 1), f64);
    w.mul(2).sum().backward();
    const grad = w.grad!;
    giveBackArrays([grad]);
    expect(grad.isReleased).toBe(true);
    const z = x.mul(3); // takes the array given back
    releaseGrad(w); // must not give it back again while z holds it
    const q = x.mul(5);
    expect(q.data.data).not.toBe(z.data.data);
    expect(z.toArray()).toEqual(Array.from({ length: 2048 }, (_, i) => 3 * (i + 1)));
  });
});
