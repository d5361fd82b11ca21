import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, ones, rand, tensor } from '@tapegrad/core';
import { dropout } from '@tapegrad/nn';

describe('dropout', () => {
  test('in training, keeps where rand() < 1 - p (numpy\'s draw on the stream) and scales the kept by 1/(1 - p)', () => {
    const g = new Generator(0);
    const x = g.randn([40, 25], { dtype: 'float64' });
    const p = 0.3;
    const y = dropout(x, p, true, new Generator(17)).toFloat64Array();
    const u = new Generator(17).rand([40, 25], { dtype: 'float64' }).toFloat64Array();
    const xv = x.toFloat64Array();
    let kept = 0;
    for (let i = 0; i < xv.length; i++) {
      expect(y[i]).toBe(xv[i]! * (u[i]! < 0.7 ? 1 / 0.7 : 0)); // x·0 is -0 for negative x, as in PyTorch
      if (u[i]! < 0.7) kept++;
    }
    expect(kept / xv.length).toBeGreaterThan(0.65);
    expect(kept / xv.length).toBeLessThan(0.75);
  });

  test('the expected value is unchanged: the mean of dropout(ones) is about 1', () => {
    const y = dropout(ones([200, 100], { dtype: 'float64' }), 0.5, true, new Generator(1));
    expect(Math.abs(y.mean().item() - 1)).toBeLessThan(0.02);
    expect(new Set(y.toFloat64Array())).toEqual(new Set([0, 2]));
  });

  test('the gradient is dy times the same mask, scaled', () => {
    const x = new Generator(3).randn([6, 5], { dtype: 'float64', requiresGrad: true });
    const G = new Generator(4).randn([6, 5], { dtype: 'float64' });
    const y = dropout(x, 0.4, true, new Generator(5));
    y.backward(G);
    const mask = y.toFloat64Array().map((v, i) => v / x.toFloat64Array()[i]!);
    const dx = x.grad!.toFloat64Array(), gv = G.toFloat64Array();
    for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(gv[i]! * mask[i]!, 14);
    expect(mask.some((m) => m === 0) && mask.some((m) => m > 1.6)).toBe(true);
  });

  test('is reproducible: the same seed gives the same mask, from a Generator or the global stream', () => {
    const x = ones([10, 10], { dtype: 'float64' });
    expect(dropout(x, 0.5, true, new Generator(9)).toArray()).toEqual(dropout(x, 0.5, true, new Generator(9)).toArray());
    manualSeed(231);
    const a = dropout(x, 0.5).toArray();
    const b = dropout(x, 0.5).toArray();
    manualSeed(231);
    expect(dropout(x, 0.5).toArray()).toEqual(a);
    expect(a).not.toEqual(b);
  });

  test('matches cs231n\'s mask (rand(*x.shape) < keep) / keep after the same seed', () => {
    const x = new Generator(0).randn([3, 4], { dtype: 'float64' });
    const keep = 0.75;
    manualSeed(231);
    const y = dropout(x, 1 - keep);
    manualSeed(231);
    const u = rand([3, 4], { dtype: 'float64' }).toFloat64Array();
    const want = x.toFloat64Array().map((v, i) => v * (u[i]! < keep ? 1 / keep : 0));
    expect(y.toFloat64Array()).toEqual(want);
  });

  test('out of training it returns x itself and draws nothing', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const g = new Generator(2);
    const state = JSON.stringify(g.getState());
    expect(dropout(x, 0.5, false, g)).toBe(x);
    expect(JSON.stringify(g.getState())).toBe(state);
  });

  test('p = 0 returns x without drawing; p = 1 gives zeros and zero gradients', () => {
    const x = tensor([1, -2, 3], { dtype: 'float64', requiresGrad: true });
    const g = new Generator(2);
    const state = JSON.stringify(g.getState());
    expect(dropout(x, 0, true, g)).toBe(x);
    const y = dropout(x, 1, true, g);
    expect(JSON.stringify(g.getState())).toBe(state);
    expect(y.toArray()).toEqual([0, -0, 0]);
    y.backward(tensor([5, 6, 7], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
  });

  test('float32 stays float32, with the draw still made in float64', () => {
    const y = dropout(ones([50], { dtype: 'float32' }), 0.5, true, new Generator(6));
    const u = new Generator(6).rand([50], { dtype: 'float64' }).toFloat64Array();
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.toFloat64Array())).toEqual(Array.from(u, (v) => (v < 0.5 ? 2 : 0)));
  });

  test('p must be a probability', () => {
    const x = ones([2]);
    expect(() => dropout(x, 1.5)).toThrow(RangeError);
    expect(() => dropout(x, -0.1)).toThrow('dropout: p must be a probability in [0, 1] (got -0.1)');
    expect(() => dropout(x, NaN)).toThrow('dropout: p must be a probability in [0, 1] (got NaN)');
    expect(() => dropout(tensor([1], { dtype: 'int32' }), 0.5)).toThrow('dropout: input must be float32 or float64 (got int32)');
  });
});
