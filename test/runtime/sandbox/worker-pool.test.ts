// The worker lifecycle on its own: start with every worker booted, retire one (no batch goes to
// it, piscina starts a replacement), wait for the replacement, close.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../runtime/sandbox/worker-pool.js';

describe('WorkerPool', () => {
  it('starts booted, retires a worker, is whole again once its replacement has booted', async () => {
    const pool = await WorkerPool.start({ threads: 2 });
    try {
      expect(pool.capacity).toBe(2);
      expect(pool.workersStarted).toBe(2);
      const ids = pool.threadIds();
      expect(ids).toHaveLength(2);
      expect(pool.terminate(ids[0]!)).toBe(true);
      expect(pool.terminate(ids[0]!)).toBe(false); // already retiring
      expect(pool.capacity).toBe(1);
      await pool.ready(3);
      expect(pool.capacity).toBe(2);
      expect(pool.workersReplaced).toBe(1);
      expect(pool.threadIds()).not.toContain(ids[0]);
      expect(pool.terminate(-5)).toBe(false);
    } finally {
      await pool.close();
    }
    expect(pool.closed).toBe(true);
  });

  it('refuses a thread count that is not a positive integer', async () => {
    await expect(WorkerPool.start({ threads: 0 })).rejects.toThrow(/positive integer/);
  });
});
