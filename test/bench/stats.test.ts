// The benches' shared statistics: nearest-rank quantiles and the median round.
import { describe, expect, it } from 'vitest';
import { median, medianBy, quantile, quantileSorted } from '../../bench/lib/stats.js';

describe('bench statistics', () => {
  it('quantiles are nearest-rank over the sorted values', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(sorted, 0.5)).toBe(50);
    expect(quantileSorted(sorted, 0.99)).toBe(99);
    expect(quantileSorted(sorted, 1)).toBe(100);
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(median([5, 1, 4, 2, 3])).toBe(3);
  });

  it('medianBy reports the whole item with the median key, the upper one of an even count', () => {
    const rounds = [{ r: 1.4, n: 'a' }, { r: 1.1, n: 'b' }, { r: 1.3, n: 'c' }];
    expect(medianBy(rounds, (x) => x.r).n).toBe('c');
    expect(medianBy([...rounds, { r: 1.2, n: 'd' }], (x) => x.r).n).toBe('c');
    expect(rounds.map((x) => x.n), 'input left in order').toEqual(['a', 'b', 'c']);
    expect(() => medianBy([], (x: number) => x)).toThrow(RangeError);
  });
});
