import { describe, expect, it } from 'vitest';
import { tensor } from '@tapegrad/core';
import { worstViolation } from './allclose.js';

describe('toBeAllclose', () => {
  it('passes Tensors, typed arrays, number arrays, reference arrays and numbers that match', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expect(t).toBeAllclose({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
    expect(t).toBeAllclose(tensor([[1, 2, 3], [4, 5, 6 + 1e-9]], { dtype: 'float64' }));
    expect(new Float32Array([0.1, 0.2])).toBeAllclose([0.1, 0.2]);
    expect([1, 2, 3]).toBeAllclose(Float64Array.of(1, 2, 3 + 2e-5), { rtol: 1e-5 });
    expect(tensor(2.5, { dtype: 'float64' })).toBeAllclose(2.5);
    expect(0.3).toBeAllclose(0.1 + 0.2, { rtol: 0, atol: 1e-15 });
  });

  it('fails past the tolerance, naming the worst element by index, what came and what was expected', () => {
    const got = tensor([[1, 2], [3.5, 4]], { dtype: 'float64' });
    const want = { shape: [2, 2], data: [1, 2.001, 3, 4] };
    expect(() => expect(got).toBeAllclose(want, { rtol: 1e-6, atol: 0 })).toThrow(
      /2 of 4 elements out of tolerance \(rtol 0\.000001, atol 0\); worst at index 2 \[1, 0\]: got 3\.5, expected 3 \(\|diff\| 0\.5 > allowed 0\.000003\)/,
    );
    expect(() => expect([1, 2, 3]).toBeAllclose([1, 2, 3.1], { rtol: 1e-3 })).toThrow(/worst at index 2: got 3, expected 3\.1/);
    expect(() => expect(1).toBeAllclose(1.001)).toThrow(/worst at index 0: got 1, expected 1\.001/);
  });

  it('draws the line where numpy does: |actual - expected| <= atol + rtol·|expected|', () => {
    expect([100.1]).toBeAllclose([100], { rtol: 1e-3, atol: 0 }); // 0.1 <= 0.1
    expect(() => expect([100.11]).toBeAllclose([100], { rtol: 1e-3, atol: 0 })).toThrow(/out of tolerance/);
    expect([0.05]).toBeAllclose([0], { rtol: 1, atol: 0.05 }); // rtol is relative to expected, so 0 here
    expect(() => expect([0.06]).toBeAllclose([0], { rtol: 1, atol: 0.05 })).toThrow(/got 0\.06, expected 0/);
    // the defaults are numpy's, rtol 1e-5 and atol 1e-8
    expect([1e-8]).toBeAllclose([0]);
    expect(() => expect([2e-8]).toBeAllclose([0])).toThrow(/rtol 0\.00001, atol 1e-8/);
  });

  it('scales `a` by max(1, max|expected|), the reference vectors form', () => {
    // max|expected| is 1000, so the absolute tolerance is 1e-3 on every element, the small one too
    expect([1000, 0.0009]).toBeAllclose([1000, 0], { rtol: 0, a: 1e-6 });
    expect(() => expect([1000, 0.0011]).toBeAllclose([1000, 0], { rtol: 0, a: 1e-6 })).toThrow(/index 1: got 0\.0011, expected 0/);
    expect(() => expect([1, 2e-6]).toBeAllclose([1, 0], { rtol: 0, a: 1e-6 })).toThrow(/index 1/); // scale max(1, 1) = 1
  });

  it('fails when shapes differ even with the same values, and when lengths differ', () => {
    const flat = tensor([1, 2, 3, 4], { dtype: 'float64' });
    expect(() => expect(flat).toBeAllclose(tensor([[1, 2], [3, 4]], { dtype: 'float64' }))).toThrow(/shape mismatch: got \[4\], expected \[2, 2\]/);
    expect(() => expect(flat).toBeAllclose({ shape: [4, 1], data: [1, 2, 3, 4] })).toThrow(/shape mismatch/);
    expect(() => expect([1, 2, 3]).toBeAllclose([1, 2])).toThrow(/length mismatch: got 3 values, expected 2/);
    // a side without a shape is compared by length
    expect(flat).toBeAllclose([1, 2, 3, 4]);
  });

  it('matches NaN with NaN and equal infinities, and fails a NaN or an infinity against a number', () => {
    expect([NaN, Infinity, -Infinity]).toBeAllclose([NaN, Infinity, -Infinity]);
    expect(() => expect([1, NaN]).toBeAllclose([1, 2])).toThrow(/worst at index 1: got NaN, expected 2/);
    expect(() => expect([1, 2]).toBeAllclose([NaN, 2])).toThrow(/worst at index 0: got 1, expected NaN/);
    expect(() => expect([Infinity]).toBeAllclose([-Infinity])).toThrow(/got Infinity, expected -Infinity/);
    expect(() => expect([1e300]).toBeAllclose([Infinity])).toThrow(/got 1e\+300, expected Infinity/);
  });

  it('names the element furthest past its allowance as the worst, not the first', () => {
    const v = worstViolation([1.1, 10.5, 100.2], [1, 10, 100], { rtol: 0, atol: 0.05 });
    expect(v).toMatchObject({ kind: 'value', index: 1, actual: 10.5, expected: 10, count: 3, size: 3 });
    expect(worstViolation([1, 2], [1, 2])).toBeNull();
  });

  it('works negated and as an asymmetric matcher', () => {
    expect([1, 2]).not.toBeAllclose([1, 3]);
    expect(() => expect([1, 2]).not.toBeAllclose([1, 2 + 1e-12])).toThrow(/\.not\.toBeAllclose[\s\S]*every element within tolerance/);
    expect({ loss: 0.5, grads: [1, 2] }).toEqual({ loss: expect.toBeAllclose(0.5 + 1e-9), grads: expect.toBeAllclose([1, 2]) });
    expect(() => expect({ grads: [1, 2] }).toEqual({ grads: expect.toBeAllclose([1, 2.5]) })).toThrow();
  });

  it('refuses what it cannot compare with a TypeError naming the matcher', () => {
    expect(() => expect(null).toBeAllclose([1])).toThrow(/toBeAllclose: expected a Tensor, an array or a number \(got null\)/);
    expect(() => expect({}).toBeAllclose([1])).toThrow(TypeError);
  });
});
