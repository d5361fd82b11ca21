import { describe, expect, it } from 'vitest';
import { loadReference } from '@tapegrad/test-support/reference';
import { MT19937 } from './mt19937.js';

interface RngConfig {
  seed: number;
  calls: { fn: string }[];
}

const rawCases = loadReference<RngConfig>('rng.json').filter(
  (c) => c.config.calls.length === 1 && c.config.calls[0]?.fn === 'raw_uint32',
);

function draws(mt: MT19937, n: number): number[] {
  return Array.from({ length: n }, () => mt.nextUint32());
}

describe('MT19937', () => {
  it('the file holds a raw_uint32 case for each of the four seeds', () => {
    expect(rawCases.map((c) => c.config.seed)).toEqual([231, 0, 1, 4294967295]);
  });

  it.each(rawCases)('$name: the first outputs after init_genrand are numpy raw draws', (c) => {
    const want = c.outputs.c0!.data;
    expect(draws(new MT19937(c.config.seed), want.length)).toEqual(want);
  });

  it('the 10000th output from the default seed 5489 is 4123659995 (C++ std::mt19937)', () => {
    const mt = new MT19937();
    draws(mt, 9999);
    expect(mt.nextUint32()).toBe(4123659995);
  });

  it('init_genrand leaves the key and pos numpy get_state shows after np.random.seed', () => {
    const { key, pos } = new MT19937(231).getState();
    expect([key[0], key[1], key[623], pos]).toEqual([231, 2060253732, 449544658, 624]);
    const top = new MT19937(4294967295).getState().key;
    expect([top[0], top[1], top[623]]).toEqual([4294967295, 1340201581, 3413567280]);
  });

  it('after 700 draws the key and pos match numpy get_state (one regeneration in)', () => {
    const mt = new MT19937(231);
    draws(mt, 700);
    const { key, pos } = mt.getState();
    expect([key[0], key[623], pos]).toEqual([2760630995, 3678203408, 76]);
    expect(key.reduce((sum, word) => sum + word, 0)).toBe(1298794190775);
  });

  it('outputs across four regenerations match numpy (seed 231, values and sum from numpy 2.4)', () => {
    const out = draws(new MT19937(231), 4 * 624 + 1);
    expect([622, 623, 624, 1247, 1248].map((i) => out[i])).toEqual([3803743063, 2863233694, 724643811, 2913330276, 3396706291]);
    expect(out.slice(0, 4 * 624).reduce((sum, word) => sum + word, 0)).toBe(5416375481288);
  });

  it('nextDouble puts the first draw in the high 27 bits and the second in the low 26', () => {
    const twin = new MT19937(7);
    const a = twin.nextUint32() >>> 5;
    const b = twin.nextUint32() >>> 6;
    expect(new MT19937(7).nextDouble()).toBe((a * 2 ** 26 + b) / 2 ** 53);
  });

  it.each([0, 623, 624])('setState resumes the stream when saved at pos %i', (position) => {
    const mt = new MT19937(1);
    draws(mt, position);
    const saved = mt.getState();
    const first = draws(mt, 1000);
    const other = new MT19937(99);
    other.setState(saved);
    expect(draws(other, 1000)).toEqual(first);
  });

  it('getState returns a copy the generator does not share', () => {
    const mt = new MT19937(1);
    const saved = mt.getState();
    saved.key.fill(0);
    expect(mt.nextUint32()).toBe(new MT19937(1).nextUint32());
  });

  it('setState rejects a malformed state and leaves the generator unchanged', () => {
    const mt = new MT19937(5);
    const good = mt.getState();
    const badWord = Array.from(good.key);
    badWord[3] = 2 ** 32;
    expect(() => mt.setState({ key: good.key.subarray(1), pos: 0 })).toThrow(/setState: key must hold 624 integers \(got length 623\)/);
    expect(() => mt.setState({ key: badWord, pos: 0 })).toThrow(/setState: key\[3\] must be an integer in \[0, 2\*\*32 - 1\] \(got 4294967296\)/);
    expect(() => mt.setState({ key: good.key, pos: 625 })).toThrow(/setState: pos must be an integer in \[0, 624\] \(got 625\)/);
    expect(() => mt.setState({ key: good.key, pos: 1.5 })).toThrow(RangeError);
    expect(mt.nextUint32()).toBe(new MT19937(5).nextUint32());
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN])('init_genrand rejects the seed %d', (seed) => {
    expect(() => new MT19937(seed)).toThrow(RangeError);
    expect(() => new MT19937(seed)).toThrow(/MT19937.init_genrand: the seed must be an integer in \[0, 2\*\*32 - 1\]/);
  });
});
