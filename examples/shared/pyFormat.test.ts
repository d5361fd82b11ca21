import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { NpArray, npArrayStr, pyExp, pyPrintLine, pyRepr, pyShape } from './pyFormat.js';

interface Fixtures {
  arrays: { values: (number | string)[]; str: string }[];
  reprs: [number, string][];
  exps: [number, string][];
}
const fixtures = JSON.parse(readFileSync(new URL('./pyFormat.fixtures.json', import.meta.url), 'utf8')) as Fixtures;
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

describe('numpy str of a 1-D float array', () => {
  it('prints the notebook first cell the way numpy does', () => {
    expect(npArrayStr([-2.3814598, -13.18038246, 1.91780462])).toBe('[ -2.3814598  -13.18038246   1.91780462]');
    expect(npArrayStr([1, 2, 3])).toBe('[1. 2. 3.]');
  });
  it.each(fixtures.arrays.map((c, i) => [i, c] as const))('matches numpy on case %i', (_, c) => {
    expect(npArrayStr(c.values.map(num))).toBe(c.str);
  });
});

describe('Python float text', () => {
  it.each(fixtures.reprs)('repr(%d) is numpy/Python repr', (x, text) => expect(pyRepr(x)).toBe(text));
  it.each(fixtures.exps)('%d formats with %%.2e', (x, text) => expect(pyExp(x, 2)).toBe(text));
  it('print joins its arguments with spaces, as Python does', () => {
    expect(pyPrintLine('dx error: ', 1.7029241291468676e-9)).toBe('dx error:  1.7029241291468676e-09');
    expect(pyPrintLine('(gamma=', new NpArray([1, 2, 3]), ')')).toBe('(gamma= [1. 2. 3.] )');
    expect(pyPrintLine('batch size = ', { int: 5 })).toBe('batch size =  5');
  });
  it('shapes are tuples', () => {
    expect(pyShape([49000, 3, 32, 32])).toBe('(49000, 3, 32, 32)');
    expect(pyShape([1000])).toBe('(1000,)');
  });
});
