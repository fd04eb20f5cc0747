// The aggregate's state belongs to the host. Killing the worker between
// batches (or during one) loses nothing: the next batch, given the state the host kept, gives
// the same running totals as an undisturbed run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';
import { ErrorPolicy } from '../../../runtime/error-policy.js';
import { InlineRunner, SandboxPool } from '../../../runtime/sandbox/index.js';
import { record } from '../../modules/cases.js';
import { loadExampleModule } from '../../modules/example-modules.js';
import { fixtureModule } from './fixtures.js';

const dec = new TextDecoder();
const values = (out: HostRecord[]) => out.map((r) => dec.decode(r.value!));

const BATCHES: HostRecord[][] = [
  [record(0, '{"amount":2}', 'a'), record(1, '{"amount":5}', 'b'), record(2, '{"amount":1}', 'a')],
  [record(3, '{"amount":10}', 'a'), record(4, '{"amount":0.5}', 'b')],
  [record(5, '{"amount":4}', 'b'), record(6, '{"amount":3}', 'a')],
];

describe('aggregate state across worker deaths', () => {
  let pool: SandboxPool;
  beforeAll(async () => {
    pool = await SandboxPool.start({ threads: 2 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('count-sum keeps its totals when every worker is killed between batches', async () => {
    const module = await loadExampleModule('count-sum');
    expect(module.kind).toBe('aggregate');
    // The undisturbed run, inline.
    const inline = new InlineRunner();
    const ih = inline.register(module);
    let state: Uint8Array | null = null;
    const expected: string[][] = [];
    for (const b of BATCHES) {
      const r = inline.runSync(ih, encodeBatch(b), state);
      expected.push(values(decodeBatch(r.output)));
      state = r.state;
    }
    expect(expected[2]).toEqual(['{"key":"b","count":3,"sum":9.5}', '{"key":"a","count":4,"sum":16}']);

    const sh = pool.register(module);
    let hostState: Uint8Array | null = null;
    for (let i = 0; i < BATCHES.length; i++) {
      const startedBefore = pool.stats().workersStarted;
      const r = await pool.run(sh, encodeBatch(BATCHES[i]!), hostState);
      expect(values(decodeBatch(r.output))).toEqual(expected[i]);
      hostState = r.state;
      // Kill every worker: the instances holding the guest's copy of the state are gone.
      await pool.restartWorkers();
      expect(pool.stats().workersStarted).toBe(startedBefore + 2);
    }
  });

  it('a batch whose worker is killed mid-call leaves the host state unchanged, and the retry counts once', async () => {
    const module = await loadExampleModule('count-sum');
    const sh = pool.register(module, { deadlineMs: 5_000 });
    const policy = new ErrorPolicy({ policy: 'skip' });
    const first = await policy.runBatch(pool, sh, BATCHES[0]!, null);
    expect(first.status).toBe('ok');
    const kept = first.state;

    // A batch far too big for a 1 ms deadline: the worker is terminated under it.
    const big = Array.from({ length: 50_000 }, (_, i) => record(1000 + i, '{"amount":1}', 'a'));
    const killed = await policy.runBatch(pool, sh, big, kept, { deadlineMs: 1 });
    expect(killed.status).toBe('skipped');
    if (killed.status === 'skipped') expect(killed.failure.kind).toBe('deadline');
    expect(killed.state).toBe(kept);

    const retry = await policy.runBatch(pool, sh, BATCHES[1]!, kept);
    expect(retry.status).toBe('ok');
    if (retry.status !== 'ok') return;
    expect(values(retry.records)).toEqual(['{"key":"a","count":3,"sum":13}', '{"key":"b","count":2,"sum":5.5}']);
  });

  it('a deadline miss elsewhere in the pool does not disturb the aggregate', async () => {
    const module = await loadExampleModule('count-sum');
    const sh = pool.register(module);
    const loop = pool.register(await fixtureModule('endless-loop'), { deadlineMs: 200 });
    const stuck = pool.run(loop, encodeBatch([record(0, 'x')])).catch((e: unknown) => e);
    let state: Uint8Array | null = null;
    for (const b of BATCHES) state = (await pool.run(sh, encodeBatch(b), state)).state;
    expect(((await stuck) as Error).name).toBe('DeadlineExceededError');
    const last = await pool.run(sh, encodeBatch([record(7, '{"amount":1}', 'a')]), state);
    expect(values(decodeBatch(last.output))).toEqual(['{"key":"a","count":5,"sum":17}']);
  });
});
