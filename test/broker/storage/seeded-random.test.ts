import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../broker/storage/seeded-random.js';

describe('SeededRandom', () => {
  it('is a pure function of its seed, in [0, 1), and spreads evenly', () => {
    const a = new SeededRandom(12345);
    const b = new SeededRandom(12345);
    const c = new SeededRandom(12346);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(Array.from({ length: 10_000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]!++;
    for (const n of buckets) expect(n).toBeGreaterThan(850);
  });

  it('int stays within its inclusive bounds and reaches both', () => {
    const r = new SeededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 7);
      expect(v >= 3 && v <= 7).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });
});
