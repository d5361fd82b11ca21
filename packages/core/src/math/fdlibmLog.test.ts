import { describe, expect, it } from 'vitest';
import { fdlibmLog } from './fdlibmLog.js';
import { logArguments, sameBits } from './test-utils/doubles.js';

describe('fdlibmLog', () => {
  it('gives IEEE 754\'s special values', () => {
    expect([0, -0, -1, -Number.MIN_VALUE, -Infinity, Infinity, Number.NaN, 1].map(fdlibmLog))
      .toEqual([-Infinity, -Infinity, Number.NaN, Number.NaN, Number.NaN, Infinity, Number.NaN, 0]);
    expect(Object.is(fdlibmLog(1), 0)).toBe(true);
  });

  it('gives the correctly rounded logarithm at known points (Python\'s math.log on glibc), subnormals and extremes included', () => {
    expect([2, 10, Math.E, 0.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308].map(fdlibmLog))
      .toEqual([0.6931471805599453, 2.302585092994046, 1, -0.6931471805599453, -744.4400719213812, -708.3964185322641, 709.782712893384]);
  });

  it('gives Node\'s Math.log (V8\'s fdlibm port) bit for bit over 6 million arguments: random bit patterns, polar-method r², [0, 1), near 1, powers of two', () => {
    // the independent implementation is V8's C++ (Node 20's Math.log): equal bits here mean that the
    // gaussians, numpy's rng.json checks and every result computed before stay as they were
    const { count, mismatches } = sameBits(logArguments(1_500_000), fdlibmLog, Math.log);
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(6_000_000);
  });
});
