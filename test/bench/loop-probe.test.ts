// The benches' empty-loop baseline: a separate Node process that measures only its own event loop.
import { describe, expect, it } from 'vitest';
import { LoopProbe } from '../../bench/lib/loop-probe.js';

describe('event-loop probe', () => {
  it('reports its loop delay over each window, then ends its process on close', async () => {
    const probe = await LoopProbe.start();
    try {
      for (let window = 0; window < 2; window++) {
        probe.begin();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const f = await probe.end();
        expect(Number.isFinite(f.p50Ms) && f.p50Ms > 0, `p50 ${f.p50Ms}`).toBe(true);
        expect(f.p99Ms).toBeGreaterThanOrEqual(f.p50Ms);
        expect(f.maxMs).toBeGreaterThanOrEqual(f.p99Ms);
      }
    } finally {
      await probe.close();
    }
    await probe.close(); // a second close is a no-op
  });

  it('refuses to end a window it never began', async () => {
    const probe = await LoopProbe.start();
    try {
      await expect(probe.end()).rejects.toThrow('event-loop probe: stop without start');
    } finally {
      await probe.close();
    }
  });
});
