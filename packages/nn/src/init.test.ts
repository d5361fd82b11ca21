import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, manualSeed, normal, tensor, uniform, zeros } from '@tapegrad/core';
import { Parameter, init } from '@tapegrad/nn';

describe('init', () => {
  test('calculateGain gives PyTorch\'s gains', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('tanh')).toBe(5 / 3);
    expect(init.calculateGain('relu')).toBe(Math.SQRT2);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateGain('leaky_relu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(init.calculateGain('leaky_relu', 0)).toBe(Math.SQRT2);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(() => init.calculateGain('swish' as 'relu')).toThrow('calculateGain: unsupported nonlinearity (got swish)');
  });

  test('calculateFanInAndFanOut reads [out, in, ...kernel]', () => {
    expect(init.calculateFanInAndFanOut(zeros([4, 5]))).toEqual([5, 4]);
    expect(init.calculateFanInAndFanOut(zeros([8, 3, 5, 5]))).toEqual([75, 200]);
    expect(() => init.calculateFanInAndFanOut(zeros([4]))).toThrow(ShapeError);
    expect(() => init.calculateFanInAndFanOut(zeros([4]))).toThrow('calculateFanInAndFanOut: expected a tensor with at least 2 dims (got [4])');
  });

  test('kaimingUniform_ draws U(-√3·gain/√fan, +...) from the stream given, in place', () => {
    const w = new Parameter(zeros([6, 10], { dtype: 'float64' }));
    const data = w.data;
    expect(init.kaimingUniform_(w, { a: 0, nonlinearity: 'relu', generator: new Generator(3) })).toBe(w);
    expect(w.data).toBe(data);
    const bound = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(10));
    expect(w.toArray()).toEqual(new Generator(3).uniform(-bound, bound, [6, 10], { dtype: 'float64' }).toArray());
    init.kaimingUniform_(w, { mode: 'fan_out', generator: new Generator(3) });
    // the default a = 0 makes leaky_relu's gain √2, as in PyTorch
    const outBound = Math.sqrt(3) * (Math.sqrt(2 / (1 + 0 ** 2)) / Math.sqrt(6));
    expect(w.toArray()).toEqual(new Generator(3).uniform(-outBound, outBound, [6, 10], { dtype: 'float64' }).toArray());
    expect(() => init.kaimingUniform_(w, { mode: 'fan_avg' as 'fan_in' })).toThrow("kaimingUniform_: mode must be 'fan_in' or 'fan_out' (got fan_avg)");
  });

  test('without a generator, draws come from the global stream', () => {
    manualSeed(7);
    const a = init.uniform_(zeros([3], { dtype: 'float64' }), -2, 2);
    const b = init.normal_(zeros([3], { dtype: 'float64' }), 1, 0.5);
    manualSeed(7);
    expect(a.toArray()).toEqual(uniform(-2, 2, [3], { dtype: 'float64' }).toArray());
    expect(b.toArray()).toEqual(normal(1, 0.5, [3], { dtype: 'float64' }).toArray());
  });

  test('kaimingNormal_, xavierUniform_ and xavierNormal_ use PyTorch\'s scales', () => {
    const w = zeros([4, 9], { dtype: 'float64' });
    init.kaimingNormal_(w, { nonlinearity: 'relu', generator: new Generator(1) });
    expect(w.toArray()).toEqual(new Generator(1).normal(0, Math.SQRT2 / 3, [4, 9], { dtype: 'float64' }).toArray());
    init.xavierUniform_(w, { gain: 2, generator: new Generator(1) });
    const a = Math.sqrt(3) * 2 * Math.sqrt(2 / 13);
    expect(w.toArray()).toEqual(new Generator(1).uniform(-a, a, [4, 9], { dtype: 'float64' }).toArray());
    init.xavierNormal_(w, { generator: new Generator(1) });
    expect(w.toArray()).toEqual(new Generator(1).normal(0, Math.sqrt(2 / 13), [4, 9], { dtype: 'float64' }).toArray());
  });

  test('constant_, zeros_ and ones_ fill in place; integer tensors are refused', () => {
    const p = new Parameter(zeros([2, 2]));
    expect(init.constant_(p, 3).toArray()).toEqual([[3, 3], [3, 3]]);
    expect(init.zeros_(p).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(init.ones_(p).toArray()).toEqual([[1, 1], [1, 1]]);
    expect(() => init.uniform_(tensor([1], { dtype: 'int32' }))).toThrow(DtypeError);
  });

  test('a tensor with no elements is left alone and draws nothing', () => {
    const g = new Generator(4);
    const state = JSON.stringify(g.getState());
    init.kaimingUniform_(zeros([3, 0]), { generator: g });
    expect(JSON.stringify(g.getState())).toBe(state);
  });
});
