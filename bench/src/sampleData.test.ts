import { describe, expect, it } from 'vitest';
import { formatGains, pairedGains, signedPercent } from './sampleData.js';

describe('the paired tools\' gains', () => {
  it('divides the other build\'s time by this one\'s round by round, then takes the median and quartiles', () => {
    // rounds where this build took 1, 2, 4, 5 ms and the other 1.1, 1.8, 4.4, 6 ms: gains 1.1, 0.9, 1.1, 1.2
    const g = pairedGains([1, 2, 4, 5], [1.1, 1.8, 4.4, 6]);
    expect(g.median).toBeCloseTo(1.1, 12);
    expect(g.lower).toBeCloseTo(1.1, 12); // sorted 0.9, 1.1, 1.1, 1.2: index floor(0.25·4) = 1
    expect(g.upper).toBeCloseTo(1.2, 12);
  });

  it('prints signed percentages', () => {
    expect(signedPercent(1.042)).toBe('+4.2%');
    expect(signedPercent(0.97)).toBe('-3.0%');
    expect(formatGains({ median: 1.04, lower: 0.99, upper: 1.1 })).toBe('+4.0% (quartiles -1.0%, +10.0%)');
  });

  it('rejects round lists that do not pair up', () => {
    expect(() => pairedGains([1, 2], [1])).toThrow(/pairedGains: expected two equally long non-empty lists of round times \(got 2 and 1\)/);
    expect(() => pairedGains([], [])).toThrow(/got 0 and 0/);
  });
});
