/**
 * The broker's seeded PRNG (mulberry32), with the extra draws tests want, so every random choice in a test is
 * reproducible from the seed it prints.
 */
import { SeededRandom as Mulberry32 } from '../../broker/storage/seeded-random.js';

export class SeededRandom extends Mulberry32 {
  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** The seed from SLUICE_TEST_SEED when set (to reproduce a failure), else a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env.SLUICE_TEST_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`SLUICE_TEST_SEED must be an integer, got ${fromEnv}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
