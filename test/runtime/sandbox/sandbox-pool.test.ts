// Misbehaving modules are stopped at their bounds, in the same pool as a
// well-behaved module that keeps serving, and the host survives all of them with its RSS back
// near its baseline.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../../runtime/abi/batch.js';
import { SANDBOX_MODULE_KEYS_MAX_COUNT } from '../../../runtime/constants.js';
import { loadModule, ModuleValidationError, type LoadedModule } from '../../../runtime/module-loader.js';
import { SandboxError, SandboxPool, type ModuleHandle } from '../../../runtime/sandbox/index.js';
import { exampleModule, fixtureBytes, fixtureModule, LOG_LINES, records } from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settleRss(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().rss;
}

const MiB = 1024 * 1024;

describe('SandboxPool with misbehaving modules', () => {
  let pool: SandboxPool;
  let good: ModuleHandle;
  let goodModule: LoadedModule;
  let baselineRss = 0;
  const goodBatch = () => encodeBatch(records(LOG_LINES, 500n));

  beforeAll(async () => {
    pool = await SandboxPool.start({ threads: 2 });
    goodModule = await exampleModule('json-filter');
    good = pool.register(goodModule, { params: { field: 'level', value: 'error' } });
    // Warm both workers so the baseline includes an instance of the good module in each.
    await Promise.all([pool.run(good, goodBatch()), pool.run(good, goodBatch())]);
    baselineRss = settleRss();
  });

  afterAll(async () => {
    await pool?.close();
  });

  async function expectGoodServes(): Promise<void> {
    const out = decodeBatch((await pool.run(good, goodBatch())).output);
    expect(out.map((r) => r.offset)).toEqual([500n, 502n]);
  }

  it('stops an endless loop at its deadline, replaces its worker, and keeps serving other modules during and after', async () => {
    // The deadline is generous so that a loaded machine still fits the good calls inside it; what
    // is asserted is the order of events, never a duration.
    const deadlineMs = 3_000;
    const loop = pool.register(await fixtureModule('endless-loop'), { deadlineMs });
    const before = pool.stats();
    const started = performance.now();
    let settled = false;
    const stuck = pool.run(loop, encodeBatch(records(['x'], 7n))).then(
      () => null,
      (err: unknown) => ({ err, afterMs: performance.now() - started }),
    );
    void stuck.finally(() => {
      settled = true;
    });
    // While the loop holds one worker, the other serves the good module.
    for (let i = 0; i < 3; i++) await expectGoodServes();
    expect(settled).toBe(false);
    const failure = await stuck;
    expect(failure).not.toBeNull();
    expect(failure!.err).toBeInstanceOf(SandboxError);
    expect((failure!.err as SandboxError).kind).toBe('deadline');
    expect((failure!.err as SandboxError).message).toMatch(/endless-loop.*3000 ms deadline/);
    // A deadline never fires early (it is counted from dispatch, which follows the call).
    expect(failure!.afterMs).toBeGreaterThanOrEqual(deadlineMs - 10);

    // The terminated worker is replaced and the pool is whole again.
    const deadline = Date.now() + 10_000;
    while (pool.stats().workersStarted <= before.workersStarted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const after = pool.stats();
    expect(after.workersStarted).toBe(before.workersStarted + 1);
    expect(after.deadlinesMissed).toBe(before.deadlinesMissed + 1);
    // Both workers serve again: two concurrent calls of the good module succeed.
    await Promise.all([expectGoodServes(), expectGoodServes(), expectGoodServes()]);
  });

  it('reports a trap as a guest failure and keeps the module usable for the next batch', async () => {
    const trap = pool.register(await fixtureModule('trap'));
    const err = await pool.run(trap, encodeBatch(records(['fine', 'boom', 'fine'], 40n))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).kind).toBe('trap');
    expect((err as SandboxError).message).toMatch(/trap \(/);
    const div = await pool.run(trap, encodeBatch(records(['zero'], 43n))).catch((e: unknown) => e);
    expect((div as SandboxError).kind).toBe('trap');
    expect((div as SandboxError).message).toMatch(/divide by zero/i);
    // Same module, clean batch: it runs (the instance re-instantiated itself after the trap).
    const out = decodeBatch((await pool.run(trap, encodeBatch(records(['a', 'b'], 44n)))).output);
    expect(out.map((r) => r.offset)).toEqual([44n, 45n]);
    await expectGoodServes();
  });

  it('stops a memory hog at the guest memory bound and replaces its worker', async () => {
    const hog = await fixtureModule('memory-hog');
    const bound = 8 * MiB;
    expect(hog.memoryMaxBytes).toBeGreaterThanOrEqual(bound);
    const handle = pool.register(hog, { limits: { memoryMaxBytes: bound }, deadlineMs: 20_000 });
    const startedBefore = pool.stats().workersStarted;
    const err = await pool.run(handle, encodeBatch(records(['x'], 9n))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).kind).toBe('memory-limit');
    expect((err as SandboxError).message).toMatch(/memory-hog/);
    // Without a host limit the module's own declared maximum is the bound.
    const own = pool.register(hog, { deadlineMs: 20_000 });
    const err2 = await pool.run(own, encodeBatch(records(['x'], 10n))).catch((e: unknown) => e);
    expect((err2 as SandboxError).kind).toBe('memory-limit');
    const deadline = Date.now() + 10_000;
    while (pool.stats().workersStarted < startedBefore + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pool.stats().workersStarted).toBe(startedBefore + 2);
    await expectGoodServes();
  });

  it('stops an output flood at the output bound', async () => {
    const flood = await fixtureModule('output-flood');
    const handle = pool.register(flood, { params: { copies: '4096' }, limits: { outputMaxBytes: 1 * MiB } });
    const err = await pool.run(handle, encodeBatch(records(['x'], 3n))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).kind).toBe('output-too-large');
    expect((err as SandboxError).message).toMatch(/exceeds the limit of 1048576 bytes/);
    await expectGoodServes();
  });

  it('refuses WASI and unknown imports at load, naming the import', async () => {
    const wasi = await loadModule(fixtureBytes('wasi-import'), { name: 'wasi-import' }).catch((e: unknown) => e);
    expect(wasi).toBeInstanceOf(ModuleValidationError);
    expect((wasi as Error).message).toContain('"wasi_snapshot_preview1"."fd_write"');
    const unknown = await loadModule(fixtureBytes('unknown-import'), { name: 'unknown-import' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ModuleValidationError);
    expect((unknown as Error).message).toContain('"env"."whatever"');
  });

  it('survives all of them with RSS back near the baseline', { timeout: 120_000 }, async () => {
    // Run every misbehaving module again, several times, then compare the settled RSS.
    const hog = pool.register(await fixtureModule('memory-hog'), { deadlineMs: 20_000 });
    const flood = pool.register(await fixtureModule('output-flood'), { params: { copies: '4096' }, limits: { outputMaxBytes: 1 * MiB } });
    const trap = pool.register(await fixtureModule('trap'));
    const loop = pool.register(await fixtureModule('endless-loop'), { deadlineMs: 100 });
    for (let i = 0; i < 3; i++) {
      const results = await Promise.allSettled([
        pool.run(hog, encodeBatch(records(['x']))),
        pool.run(flood, encodeBatch(records(['x']))),
        pool.run(trap, encodeBatch(records(['boom']))),
        pool.run(loop, encodeBatch(records(['x']))),
      ]);
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
    }
    await pool.restartWorkers();
    await Promise.all([expectGoodServes(), expectGoodServes()]);
    const rss = settleRss();
    const grownMiB = (rss - baselineRss) / MiB;
    // Workers are whole V8 isolates; replacing them may shift RSS by a few MiB, not by a hog's 64.
    process.stdout.write(`sandbox RSS: baseline ${(baselineRss / MiB).toFixed(1)} MiB, after ${(rss / MiB).toFixed(1)} MiB\n`);
    expect(grownMiB).toBeLessThan(32);
  });
});

describe('SandboxPool module keys', () => {
  it('forgets the least recently used module key past its bound; a forgotten module still runs, brought to the worker again', async () => {
    const pool = await SandboxPool.start({ threads: 1, moduleKeysMaxCount: 2 });
    try {
      const module = await exampleModule('json-filter');
      const levels = ['error', 'warn', 'info'];
      const handles = levels.map((value) => pool.register(module, { params: { field: 'level', value } }));
      const kept = async (h: ModuleHandle) => decodeBatch((await pool.run(h, encodeBatch(records(LOG_LINES)))).output).map((r) => r.offset);
      const first = await kept(handles[0]!);
      expect(pool.stats().moduleKeys).toBe(1);
      await kept(handles[1]!);
      await kept(handles[2]!);
      expect(pool.stats().moduleKeys).toBe(2);
      // The first key was forgotten: it gets a new id and the same answer.
      expect(await kept(handles[0]!)).toEqual(first);
      expect(pool.stats().moduleKeys).toBe(2);
      expect(pool.stats().failed).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it(`remembers at most SANDBOX_MODULE_KEYS_MAX_COUNT (${SANDBOX_MODULE_KEYS_MAX_COUNT}) keys by default`, { timeout: 60_000 }, async () => {
    await expect(SandboxPool.start({ threads: 1, moduleKeysMaxCount: 0 })).rejects.toBeInstanceOf(RangeError);
    const pool = await SandboxPool.start({ threads: 1 });
    try {
      const module = await exampleModule('json-filter');
      const batch = encodeBatch(records(LOG_LINES));
      for (let i = 0; i <= SANDBOX_MODULE_KEYS_MAX_COUNT; i++) await pool.run(pool.register(module, { params: { field: 'n', value: String(i) } }), batch);
      expect(pool.stats().moduleKeys).toBe(SANDBOX_MODULE_KEYS_MAX_COUNT);
      expect(pool.stats().completed).toBe(SANDBOX_MODULE_KEYS_MAX_COUNT + 1);
    } finally {
      await pool.close();
    }
  });
});
