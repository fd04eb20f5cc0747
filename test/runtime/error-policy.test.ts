// Error policies: skip, dead-letter and halt each report the module, the error and the batch's
// offsets, for a real trapping module in the sandbox pool and inline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../runtime/abi/batch.js';
import { DEAD_LETTER_HEADER, ErrorPolicy, PipelineHaltedError, type BatchFailure } from '../../runtime/error-policy.js';
import type { LoadedModule } from '../../runtime/module-loader.js';
import { InlineRunner, QueueFullError, SandboxPool, type ModuleRunner } from '../../runtime/sandbox/index.js';
import { exampleModule, fixtureModule, LOG_LINES, records } from './sandbox/fixtures.js';

const dec = new TextDecoder();
const header = (r: HostRecord, key: string) => {
  const h = r.headers.find((x) => x.key === key);
  return h?.value == null ? undefined : dec.decode(h.value);
};

describe('ErrorPolicy', () => {
  let pool: SandboxPool;
  let trap: LoadedModule;
  const inline = new InlineRunner();

  beforeAll(async () => {
    pool = await SandboxPool.start({ threads: 1 });
    trap = await fixtureModule('trap');
  });
  afterAll(async () => {
    await pool?.close();
    await inline.close();
  });

  const runners = (): [string, ModuleRunner][] => [['sandbox', pool], ['inline', inline]];
  const bad = () => records(['a', 'boom', 'c'], 120n);

  function expectReport(f: BatchFailure, policy: string): void {
    expect(f.moduleName).toBe('trap');
    expect(f.moduleId).toBe(trap.id);
    expect(f.kind).toBe('trap');
    expect(f.message).toMatch(/unreachable/);
    expect(f.firstOffset).toBe(120n);
    expect(f.lastOffset).toBe(122n);
    expect(f.recordCount).toBe(3);
    expect(f.policy).toBe(policy);
  }

  it('passes good batches through with their output', async () => {
    for (const [, runner] of runners()) {
      const policy = new ErrorPolicy({ policy: 'halt' });
      const out = await policy.runBatch(runner, runner.register(trap), records(['a', 'b'], 7n));
      expect(out.status).toBe('ok');
      if (out.status === 'ok') expect(out.records.map((r) => r.offset)).toEqual([7n, 8n]);
    }
  });

  it('recycles its batch buffers, and the records it returned stay intact through later batches', async () => {
    const filter = await exampleModule('json-filter');
    for (const [name, runner] of runners()) {
      const policy = new ErrorPolicy({ policy: 'halt' });
      const handle = runner.register(filter, { params: { field: 'level', value: 'error' } });
      const batch = (first: bigint) => records(Array.from({ length: 2000 }, (_, i) => LOG_LINES[(i + Number(first)) % LOG_LINES.length]!), first);
      const first = await policy.runBatch(runner, handle, batch(0n));
      if (first.status !== 'ok') throw new Error(`${name}: ${first.status}`);
      const snapshot = structuredClone(first.records);
      for (let i = 1n; i <= 5n; i++) {
        const next = await policy.runBatch(runner, handle, batch(i * 10_000n));
        expect(next.status, name).toBe('ok');
      }
      expect(first.records, name).toEqual(snapshot);
      expect(first.records, name).toHaveLength(1000);
      expect(policy.buffers.stats().reused, `${name}: later batches reuse the buffers`).toBeGreaterThanOrEqual(5);
    }
  });

  it('skip: reports the failure and produces nothing', async () => {
    for (const [name, runner] of runners()) {
      const reported: BatchFailure[] = [];
      const policy = new ErrorPolicy({ policy: 'skip', onFailure: (f) => reported.push(f) });
      const out = await policy.runBatch(runner, runner.register(trap), bad());
      expect(out.status, name).toBe('skipped');
      if (out.status !== 'skipped') continue;
      expectReport(out.failure, 'skip');
      expect(reported).toEqual([out.failure]);
    }
  });

  it('dead-letter: hands the input records to the sink with the error in their headers', async () => {
    for (const [name, runner] of runners()) {
      const sunk: { records: HostRecord[]; failure: BatchFailure }[] = [];
      const policy = new ErrorPolicy({ policy: 'dead-letter', deadLetter: (records, failure) => void sunk.push({ records, failure }) });
      const input = bad();
      const out = await policy.runBatch(runner, runner.register(trap), input);
      expect(out.status, name).toBe('dead-lettered');
      expect(sunk).toHaveLength(1);
      expectReport(sunk[0]!.failure, 'dead-letter');
      const dl = sunk[0]!.records;
      expect(dl.map((r) => r.offset)).toEqual([120n, 121n, 122n]);
      expect(dl.map((r) => dec.decode(r.value!))).toEqual(['a', 'boom', 'c']);
      for (const r of dl) {
        expect(header(r, 'h')).toBeDefined(); // the record's own headers are kept, first
        expect(header(r, DEAD_LETTER_HEADER.module)).toBe('trap');
        expect(header(r, DEAD_LETTER_HEADER.moduleId)).toBe(trap.id);
        expect(header(r, DEAD_LETTER_HEADER.kind)).toBe('trap');
        expect(header(r, DEAD_LETTER_HEADER.message)).toMatch(/unreachable/);
        expect(header(r, DEAD_LETTER_HEADER.firstOffset)).toBe('120');
        expect(header(r, DEAD_LETTER_HEADER.lastOffset)).toBe('122');
      }
      // The caller's records are untouched.
      expect(input[0]!.headers).toHaveLength(1);
    }
  });

  it('halt: throws PipelineHaltedError naming the module, the error and the offsets', async () => {
    for (const [name, runner] of runners()) {
      const policy = new ErrorPolicy({ policy: 'halt' });
      const err = await policy.runBatch(runner, runner.register(trap), bad()).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(PipelineHaltedError);
      const halted = err as PipelineHaltedError;
      expectReport(halted.failure, 'halt');
      expect(halted.message).toMatch(/module trap \([0-9a-f]{64}\) failed \(trap\) on offsets 120\.\.122 \(3 records\)/);
    }
  });

  it('reports a deadline miss with its offsets too', async () => {
    const loop = await fixtureModule('endless-loop');
    const policy = new ErrorPolicy({ policy: 'halt' });
    const err = (await policy
      .runBatch(pool, pool.register(loop, { deadlineMs: 150 }), records(['x', 'y'], 900n))
      .catch((e: unknown) => e)) as PipelineHaltedError;
    expect(err).toBeInstanceOf(PipelineHaltedError);
    expect(err.failure.kind).toBe('deadline');
    expect(err.failure.moduleName).toBe('endless-loop');
    expect(err.message).toMatch(/offsets 900\.\.901/);
  });

  it('passes queue-full through untouched: the batch never ran, the caller retries', async () => {
    const small = await SandboxPool.start({ threads: 1, queueMaxBatches: 1 });
    try {
      const loop = small.register(await fixtureModule('endless-loop'), { deadlineMs: 300 });
      const policy = new ErrorPolicy({ policy: 'skip' });
      const running = small.run(loop, new Uint8Array([1, 0, 0, 0, ...new Uint8Array(28)])).catch((e: unknown) => e);
      const queued = policy.runBatch(small, small.register(trap), records(['a'], 1n));
      const refused = await policy.runBatch(small, small.register(trap), records(['b'], 2n)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(QueueFullError);
      expect((refused as Error).message).toMatch(/queue is full \(1 batches waiting\)/);
      expect(((await running) as Error).name).toBe('DeadlineExceededError');
      // The queued batch runs once the stuck worker is replaced.
      expect((await queued).status).toBe('ok');
    } finally {
      await small.close();
    }
  });

  it('refuses an unknown policy and a dead-letter policy without a sink', () => {
    expect(() => new ErrorPolicy({ policy: 'retry' as never })).toThrow(/unknown error policy retry/);
    expect(() => new ErrorPolicy({ policy: 'dead-letter' })).toThrow(/needs a dead-letter sink/);
  });
});
