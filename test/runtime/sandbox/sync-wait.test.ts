// The host waits synchronously, and only for a bounded time, for a call it expects to be short
// (SANDBOX_HOST_SYNC_WAIT_US): short calls come back within that wait, a call expected to be long
// never blocks the host, and a call that outlasts the wait falls back to the asynchronous wait, so
// its deadline still fires and other modules keep serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';
import { DeadlineExceededError, InlineRunner, SandboxPool, type SandboxPoolOptions } from '../../../runtime/sandbox/index.js';
import { exampleModule, fixtureModule, LOG_LINES, records } from './fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const FILTER = { field: 'level', value: 'error' };

describe('the host’s synchronous wait for short calls', () => {
  const inline = new InlineRunner();

  /** Ten calls of the filter on a fresh pool: each gives the inline bytes, and none was waited for synchronously. */
  async function expectInlineBytesWithoutSyncWait(options: SandboxPoolOptions, batchAt: (i: number) => HostRecord[]): Promise<void> {
    const pool = await SandboxPool.start(options);
    try {
      const module = await exampleModule('json-filter');
      const sh = pool.register(module, { params: FILTER });
      const ih = inline.register(module, { params: FILTER });
      for (let i = 0; i < 10; i++) {
        const batch = batchAt(i);
        expect(hex((await pool.run(sh, encodeBatch(batch))).output)).toBe(hex(inline.runSync(ih, encodeBatch(batch)).output));
      }
      expect(pool.stats().syncWaits).toBe(0);
    } finally {
      await pool.close();
    }
  }
  afterAll(async () => {
    await inline.close();
  });

  describe('with a bound generous enough for any machine', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      // 200 ms: a one-record filter call always comes back within it, even on a loaded machine.
      pool = await SandboxPool.start({ threads: 2, hostSyncWaitUs: 200_000, polling: 'always' });
    });
    afterAll(async () => {
      await pool?.close();
    });

    it('awaits short calls synchronously once it knows they are short, with the inline bytes', async () => {
      const module = await exampleModule('json-filter');
      const sh = pool.register(module, { params: FILTER });
      const ih = inline.register(module, { params: FILTER });
      const before = pool.stats();
      for (let i = 0; i < 20; i++) {
        const batch = records([LOG_LINES[i % LOG_LINES.length]!], BigInt(i));
        const got = await pool.run(sh, encodeBatch(batch));
        expect(hex(got.output)).toBe(hex(inline.runSync(ih, encodeBatch(batch)).output));
      }
      const after = pool.stats();
      // The first call brings the module to the worker (not timed) and the second is the first
      // timed one: both are awaited asynchronously. Later ones are waited for synchronously while
      // the module's mean call time stays under the bound, which a loaded machine can break for
      // a few calls: so at most 18, and some.
      const waits = after.syncWaits - before.syncWaits;
      expect(waits).toBeGreaterThan(0);
      expect(waits).toBeLessThanOrEqual(18);
      expect(after.syncReplies - before.syncReplies).toBeLessThanOrEqual(waits);
    });

    it('falls back to the asynchronous wait when a call outlasts the bound: its deadline fires, other modules keep serving', async () => {
      const good = pool.register(await exampleModule('json-filter'), { params: FILTER });
      // The endless loop returns at once on an empty batch (it loops per record): that makes it
      // "short" in the host's eyes, so its next call is awaited synchronously first.
      const loop = pool.register(await fixtureModule('endless-loop'), { deadlineMs: 1500 });
      for (let i = 0; i < 3; i++) expect(decodeBatch((await pool.run(loop, encodeBatch([]))).output)).toEqual([]);
      const before = pool.stats();
      const stuck = pool.run(loop, encodeBatch(records(['{}'])));
      const outcome = stuck.then(() => 'returned', (err: unknown) => err);
      // Meanwhile the other worker serves the good module (the host's loop is free again after the bound).
      const served = await pool.run(good, encodeBatch(records(LOG_LINES, 10n)));
      expect(decodeBatch(served.output).map((r) => r.offset)).toEqual([10n, 12n]);
      expect(await outcome).toBeInstanceOf(DeadlineExceededError);
      const after = pool.stats();
      expect(after.deadlinesMissed - before.deadlinesMissed).toBe(1);
      // The stuck call was waited for synchronously (and its reply did not come within the wait).
      expect(after.syncWaits - before.syncWaits).toBeGreaterThanOrEqual(1);
      expect(after.syncWaits - after.syncReplies).toBeGreaterThan(before.syncWaits - before.syncReplies);
    });
  });

  it('never blocks the host for calls expected to be longer than the bound', async () => {
    // A 1 µs bound: no call is ever that short, so every call is awaited asynchronously.
    const batch = records(Array.from({ length: 400 }, (_, i) => LOG_LINES[i % LOG_LINES.length]!));
    await expectInlineBytesWithoutSyncWait({ threads: 1, hostSyncWaitUs: 1, polling: 'always' }, () => batch);
  });

  it('never waits synchronously when polling is off, and still answers every call', async () => {
    await expectInlineBytesWithoutSyncWait({ threads: 1, hostSyncWaitUs: 200_000, polling: 'never' }, (i) => records([LOG_LINES[i % LOG_LINES.length]!], BigInt(i)));
  });

  it('does not wait synchronously while other batches wait for a worker', async () => {
    const pool = await SandboxPool.start({ threads: 1, hostSyncWaitUs: 200_000, polling: 'always' });
    try {
      const module = await exampleModule('json-filter');
      const sh = pool.register(module, { params: FILTER });
      // The first call brings the module to the worker, the second times it: now known to be short.
      for (let i = 0; i < 2; i++) await pool.run(sh, encodeBatch(records([LOG_LINES[0]!])));
      // A module never run before has no running mean: its first call is awaited asynchronously
      // (and brings the module to the worker), so the one worker is busy while seven short calls
      // are submitted behind it.
      const other = pool.register(module, { params: { field: 'level', value: 'warn' } });
      const before = pool.stats();
      const first = pool.run(other, encodeBatch(records([LOG_LINES[3]!])));
      const outs = await Promise.all(Array.from({ length: 7 }, (_, i) => pool.run(sh, encodeBatch(records([LOG_LINES[0]!], BigInt(i))))));
      expect(decodeBatch((await first).output)).toHaveLength(1);
      expect(outs.map((o) => decodeBatch(o.output)[0]!.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
      const after = pool.stats();
      // Only the last of the seven left the queue empty when it was dispatched: one sync wait at most.
      expect(after.syncWaits - before.syncWaits).toBeLessThanOrEqual(1);
    } finally {
      await pool.close();
    }
  });
});
