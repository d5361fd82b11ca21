import { describe, expect, test } from 'vitest';
import { AnomalyError, detectAnomaly, isAnomalyDetectionEnabled, tensor } from '@tapegrad/core';

describe('anomaly mode', () => {
  test('names the first op whose forward made a NaN from finite inputs, with shapes and where it was created', () => {
    const x = tensor([[1, -2]], { dtype: 'float64' });
    let error: unknown;
    try {
      detectAnomaly(() => x.mul(3).log().exp());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AnomalyError);
    const message = String((error as Error).message);
    expect(message).toMatch(/^log\.forward: produced NaN at flat index 1 of \[1, 2\] from finite values \(inputs \[1, 2\]\)/);
    expect(message).toContain('anomaly.test.ts');
  });

  test('names the op whose backward made an Infinity from a finite gradient', () => {
    const x = tensor([0, 4], { dtype: 'float64', requiresGrad: true });
    expect(() => detectAnomaly(() => x.sqrt().mul(2).sum().backward())).toThrow(/^sqrt\.backward: produced Infinity at flat index 0 of \[2\]/);
  });

  test('is off by default and after the block, and off means no checks', () => {
    expect(isAnomalyDetectionEnabled()).toBe(false);
    expect(tensor([-1]).log().toArray()).toEqual([NaN]);
    expect(() => detectAnomaly(() => { throw new Error('x'); })).toThrow('x');
    expect(isAnomalyDetectionEnabled()).toBe(false);
  });
});
