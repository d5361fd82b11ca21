import { describe, expect, it } from 'vitest';
import { fdlibmExp } from './fdlibmExp.js';
import { expArguments, sameBits } from './test-utils/doubles.js';

describe('fdlibmExp', () => {
  it('gives IEEE 754\'s special values, overflow and underflow', () => {
    expect([0, -0, Infinity, -Infinity, Number.NaN, 710, -746, 709.7827128933841].map(fdlibmExp))
      .toEqual([1, 1, Infinity, 0, Number.NaN, Infinity, 0, Infinity]);
    expect(fdlibmExp(-745.1332191019411)).toBe(5e-324);
  });

  it('gives the correctly rounded exponential at known points (Python\'s math.exp on glibc)', () => {
    expect([1, -1, 0.5, 10, -10, 709.782712893384, 1e-10].map(fdlibmExp))
      .toEqual([2.718281828459045, 0.36787944117144233, 1.6487212707001282, 22026.465794806718, 0.00004539992976248485, 1.7976931348622732e308, 1.0000000001]);
  });

  it('gives Node\'s Math.exp (V8\'s fdlibm port) bit for bit over 6 million arguments', () => {
    const { count, mismatches } = sameBits(expArguments(1_500_000), fdlibmExp, Math.exp);
    expect(mismatches).toEqual([]);
    expect(count).toBeGreaterThan(6_000_000);
  });
});
