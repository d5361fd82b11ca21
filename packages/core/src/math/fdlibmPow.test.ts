import { describe, expect, it } from 'vitest';
import { fdlibmPow } from './fdlibmPow.js';
import { pow2, powArguments, same, sameBits2 } from './test-utils/doubles.js';

describe('fdlibmPow', () => {
  it('gives ECMAScript\'s special values (Number::exponentiate)', () => {
    const cases: [number, number, number][] = [
      [5, Number.NaN, Number.NaN], [Number.NaN, 0, 1], [Number.NaN, -0, 1], [Number.NaN, 1, Number.NaN],
      [1, Infinity, Number.NaN], [-1, -Infinity, Number.NaN], [1, 7.5, 1], [1, Number.NaN, Number.NaN],
      [2, Infinity, Infinity], [-2, -Infinity, 0], [0.5, Infinity, 0], [-0.5, -Infinity, Infinity],
      [Infinity, 2, Infinity], [Infinity, -2, 0], [-Infinity, 3, -Infinity], [-Infinity, 2, Infinity], [-Infinity, -3, -0], [-Infinity, -2, 0],
      [0, 3, 0], [0, -3, Infinity], [-0, 3, -0], [-0, 2, 0], [-0, -3, -Infinity], [-0, -2, Infinity], [-0, 0.5, 0],
      [-8, 1 / 3, Number.NaN], [-2, 3, -8], [-2, -2, 0.25], [4, 0.5, 2], [-4, 0.5, Number.NaN], [7, 1, 7], [7, -1, 1 / 7],
    ];
    const wrong = cases.filter(([x, y, want]) => !same(fdlibmPow(x, y), want)).map(([x, y, want]) => `${x} ** ${y}: ${fdlibmPow(x, y)}, not ${want}`);
    expect(wrong).toEqual([]);
  });

  it('gives exact integer powers where they are representable, subnormal ones included', () => {
    for (let k = 0; k <= 22; k++) expect(fdlibmPow(10, k), `10 ** ${k}`).toBe(Number(`1e${k}`));
    for (let k = -1074; k <= 1023; k++) expect(fdlibmPow(2, k), `2 ** ${k}`).toBe(pow2(k));
    expect([fdlibmPow(3, 33), fdlibmPow(-3, 33), fdlibmPow(7, 18)]).toEqual([5559060566555523, -5559060566555523, 1628413597910449]);
  });

  it('gives Node\'s Math.pow (V8\'s fdlibm-derived legacy::pow) bit for bit over 4 million argument pairs', () => {
    // the independent implementation is V8's C++ (Node 20's Math.pow): equal bits here mean that
    // logspace's values (the notebook's weight scales) stay as they were
    const { count, mismatches } = sameBits2(powArguments(600_000), fdlibmPow, Math.pow);
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(4_000_000);
  });
});
