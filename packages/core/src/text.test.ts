import { describe, expect, test } from 'vitest';
import { formatDuration, formatShape, toCamelCase, toSnakeCase } from './text.js';

describe('text helpers', () => {
  test('formatShape writes dims in brackets', () => {
    expect(formatShape([50, 3072])).toBe('[50, 3072]');
    expect(formatShape([])).toBe('[]');
  });
  test('formatDuration shows m:ss below an hour and h:mm:ss from one on, rounding to the second', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3599.4)).toBe('59:59');
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
  test('formatDuration writes an unknown duration as the given text', () => {
    for (const s of [null, Number.NaN, Infinity, -1]) expect(formatDuration(s)).toBe('--:--');
    expect(formatDuration(null, '?')).toBe('?');
  });
  test('toSnakeCase splits at a capital after a lowercase letter or digit, and toCamelCase undoes it', () => {
    const pairs: [string, string][] = [['runningMean', 'running_mean'], ['expAvgSq', 'exp_avg_sq'], ['numBatchesTracked', 'num_batches_tracked'], ['step2Size', 'step2_size']];
    for (const [camel, snake] of pairs) {
      expect(toSnakeCase(camel)).toBe(snake);
      expect(toCamelCase(snake)).toBe(camel);
    }
    for (const same of ['W1', 'gamma1', 'weight', 'lr', 'XW']) expect(toSnakeCase(same)).toBe(same);
  });
});
