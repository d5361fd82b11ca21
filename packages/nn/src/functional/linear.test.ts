import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, gradcheck, relError, tensor, type Tensor } from '@tapegrad/core';
import { linearComposed, linearFused } from '@tapegrad/nn';
import { linearInOutFused } from './linear.js';

type LinearFn = (x: Tensor, w: Tensor, b?: Tensor | null) => Tensor;
const paths: [string, LinearFn][] = [['linearFused', linearFused], ['linearComposed', linearComposed]];

/** Fresh float64 leaves (all requiring grad) with the values of `ts`. */
const leaves = (ts: Tensor[]) => ts.map((t) => tensor(t.toFloat64Array(), { dtype: 'float64', shape: t.shape, requiresGrad: true }));

/** Output and every input's grad of `fn` under upstream gradient G. */
function run(fn: LinearFn, inputs: Tensor[], G: Tensor): { out: Tensor; grads: Tensor[] } {
  const xs = leaves(inputs);
  const out = fn(xs[0]!, xs[1]!, xs[2]);
  out.backward(G);
  return { out, grads: xs.map((x) => x.grad!) };
}

// Fused matches composed, and gradcheck of both forms (with and without bias, a transposed weight
// view, float32): fusedOpTable.test.ts, driven from the table.

describe('linearFused and linearComposed', () => {
  const g = new Generator(7);
  const x = g.randn([13, 9], { dtype: 'float64' });
  const w = g.randn([6, 9], { dtype: 'float64' });
  const b = g.randn([6], { dtype: 'float64' });
  const G = g.randn([13, 6], { dtype: 'float64' });

  test('the output is x·Wᵀ + b, checked element by element', () => {
    const out = linearFused(x, w, b).toArray() as number[][];
    const X = x.toArray() as number[][], W = w.toArray() as number[][], B = b.toArray() as number[];
    for (let i = 0; i < 13; i++) for (let j = 0; j < 6; j++) {
      const want = B[j]! + X[i]!.reduce((s, v, k) => s + v * W[j]![k]!, 0);
      expect(out[i]![j]).toBeCloseTo(want, 12);
    }
  });

  test('the fused backward gives dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy', () => {
    const { grads: [dx, dw, db] } = run(linearFused, [x, w, b], G);
    expect(relError(dx!, G.matmul(w))).toBeLessThan(1e-12);
    expect(relError(dw!, G.T.matmul(x))).toBeLessThan(1e-12);
    expect(relError(db!, G.sum(0))).toBeLessThan(1e-12);
  });

  test('the fused form is one tape node; the composed form leaves matmul and add', () => {
    const [xs, ws, bs] = leaves([x, w, b]);
    expect(linearFused(xs!, ws!, bs).gradFn?.name).toBe('linearFused');
    expect(linearComposed(xs!, ws!, bs).gradFn?.name).toBe('add');
  });

  test('the fused backward computes only the grads that are needed', () => {
    const xs = tensor(x.toFloat64Array(), { dtype: 'float64', shape: x.shape });
    const [ws, bs] = leaves([w, b]);
    linearFused(xs, ws!, bs).backward(G);
    expect(xs.grad).toBeNull();
    expect(relError(ws!.grad!, G.T.matmul(x))).toBeLessThan(1e-12);
  });

  for (const [name, fn] of paths) {
    test(`${name} names the operand whose shape or dtype is wrong`, () => {
      expect(() => fn(tensor([[1, 2, 3]]), w.to('float32'))).toThrow(ShapeError);
      expect(() => fn(x.reshape([9, 13]), w, b)).toThrow(`${name}: expected x [N, 9] (got [9, 13])`);
      expect(() => fn(x.reshape([117]), w, b)).toThrow(`${name}: expected x [N, 9] (got [117])`);
      expect(() => fn(x, w.reshape([54]), b)).toThrow(`${name}: expected weight [outFeatures, inFeatures] (got [54])`);
      expect(() => fn(x, w, b.reshape([2, 3]))).toThrow(`${name}: expected bias [6] (got [2, 3])`);
      expect(() => fn(x, w.to('float32'), b)).toThrow(DtypeError);
      expect(() => fn(x, w, b.to('float32'))).toThrow(`${name}: bias must have x's dtype float64 (got float32)`);
      expect(() => fn(tensor([[1, 2]], { dtype: 'int32' }), w)).toThrow(`${name}: x must be float32 or float64 (got int32)`);
      expect(() => fn(null as never, w)).toThrow(`${name}: x must be a Tensor (got null)`);
      expect(() => fn(x, [[1]] as never)).toThrow(`${name}: weight must be a Tensor (got object)`);
      expect(() => fn(x, w, 3 as never)).toThrow(`${name}: bias must be a Tensor or null (got number)`);
    });
  }
});

describe('linearInOutFused (cs231n\'s [in, out] weight)', () => {
  const g = new Generator(11);
  for (const dtype of ['float64', 'float32'] as const) {
    const x = g.randn([7, 5], { dtype });
    const W = g.randn([5, 4], { dtype }); // [in, out]
    const b = g.randn([4], { dtype });
    const G = g.randn([7, 4], { dtype });

    test(`${dtype}: the values and gradients of linearFused(x, W.T, b), bit for bit, with dW contiguous in W's layout`, () => {
      const copies = () => [x, W, b].map((t) => tensor(t.toFloat64Array(), { dtype, shape: t.shape, requiresGrad: true }));
      const [xa, Wa, ba] = copies(), [xb, Wb, bb] = copies();
      const ya = linearInOutFused(xa!, Wa!, ba);
      const yb = linearFused(xb!, Wb!.T, bb);
      ya.backward(G);
      yb.backward(G);
      expect(Array.from(ya.data.data)).toEqual(Array.from(yb.data.data));
      for (const [p, q] of [[xa, xb], [Wa, Wb], [ba, bb]] as const) expect(Array.from(p!.grad!.toFloat64Array())).toEqual(Array.from(q!.grad!.toFloat64Array()));
      expect(Wa!.grad!.shape).toEqual([5, 4]);
      expect(Wa!.grad!.isContiguous()).toBe(true);
    });
  }

  test('against x·W + b and its gradients computed from core ops, and gradcheck', () => {
    const x = g.randn([6, 3], { dtype: 'float64' }), W = g.randn([3, 5], { dtype: 'float64' }), b = g.randn([5], { dtype: 'float64' });
    const G = g.randn([6, 5], { dtype: 'float64' });
    const [xs, Ws, bs] = leaves([x, W, b]);
    const y = linearInOutFused(xs!, Ws!, bs);
    expect(relError(y, x.matmul(W).add(b))).toBeLessThan(1e-14);
    y.backward(G);
    expect(relError(xs!.grad!, G.matmul(W.T))).toBeLessThan(1e-14);
    expect(relError(Ws!.grad!, x.T.matmul(G))).toBeLessThan(1e-14);
    expect(relError(bs!.grad!, G.sum(0))).toBeLessThan(1e-14);
    expect(gradcheck((a, w, c) => linearInOutFused(a!, w!, c), leaves([x, W, b])).ok).toBe(true);
    expect(gradcheck((a, w) => linearInOutFused(a!, w!), leaves([x, W])).ok).toBe(true);
  });

  test('one node named linearFused whose inputs are x, W and b (no permute of W recorded)', () => {
    const [x, W, b] = leaves([g.randn([2, 3]), g.randn([3, 4]), g.randn([4])]);
    const y = linearInOutFused(x!, W!, b);
    expect(y.gradFn?.name).toBe('linearFused');
    const inputs = y.gradFn!.inputs;
    expect(inputs.length).toBe(3);
    expect(inputs[0]).toBe(x);
    expect(inputs[1]).toBe(W);
    expect(inputs[2]).toBe(b);
  });

  test('names the operand whose shape or dtype is wrong, with the weight in its [in, out] layout', () => {
    const x = g.randn([7, 5], { dtype: 'float64' }), W = g.randn([5, 4], { dtype: 'float64' }), b = g.randn([4], { dtype: 'float64' });
    expect(() => linearInOutFused(x.reshape([5, 7]), W, b)).toThrow('linearFused: expected x [N, 5] (got [5, 7])');
    expect(() => linearInOutFused(x, W.reshape([20]), b)).toThrow('linearFused: expected weight [inFeatures, outFeatures] (got [20])');
    expect(() => linearInOutFused(x, W, b.reshape([2, 2]))).toThrow('linearFused: expected bias [4] (got [2, 2])');
    expect(() => linearInOutFused(x, W.to('float32'), b)).toThrow("linearFused: weight must have x's dtype float64 (got float32)");
    expect(() => linearInOutFused(x, null as never)).toThrow('linearFused: weight must be a Tensor (got null)');
    expect(() => linearInOutFused(x, W, 1 as never)).toThrow('linearFused: bias must be a Tensor or null (got number)');
  });
});
