/**
 * Components on the record path: the json-filter example as a Rust component and as a JavaScript
 * component, registered through the broker, used as a view, a produce check and a derived topic,
 * answer exactly what the AssemblyScript core module answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, fetchAll, fetchOnce, fetchWhileStuck, produce, registerModule, valuesBatch } from './record-path-helpers.js';

let t: TestBroker;
let c: KafkaClient;
const PARAMS = { field: 'level', value: 'error' };
const line = (level: string, n: number): string => JSON.stringify({ level, n });

/** Lines of `count` records from `from`, every `every`-th an error. */
function lines(from: number, count: number, every: number): string[] {
  return Array.from({ length: count }, (_, i) => line((from + i) % every === 0 ? 'error' : 'info', from + i));
}

async function viewRecords(view: string, partitions: number): Promise<{ offset: bigint; value: string | null }[][]> {
  const out = [];
  for (let p = 0; p < partitions; p++) {
    const r = await fetchAll(c, view, p);
    expect(r.errorCode).toBe(0);
    out.push(r.records);
  }
  return out;
}

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['json-filter', 'json-filter-component-rs', 'json-filter-component-js', 'rust-endless-loop-component']) await registerModule(t.address, m);
  await createTopic(c, 'logs', 2);
  for (let i = 0; i < 400; i += 40) {
    await produce(c, 'logs', 0, valuesBatch(lines(i, 40, 7)));
    await produce(c, 'logs', 1, valuesBatch(lines(i, 40, 13)));
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('a filter component on the record path', () => {
  it('as a view, a Rust and a JavaScript component answer what the core module answers, at the same offsets', async () => {
    for (const [module, as] of [['json-filter', 'core-errors'], ['json-filter-component-rs', 'rs-errors'], ['json-filter-component-js', 'js-errors']] as const) {
      expect((await attach(t.address, { kind: 'view', module, topic: 'logs', as, params: PARAMS })).status).toBe(201);
    }
    const core = await viewRecords('core-errors', 2);
    expect(core[0]!.length).toBe(Math.ceil(400 / 7));
    expect(core[1]!.length).toBe(Math.ceil(400 / 13));
    expect(core.flat().every((r) => JSON.parse(r.value!).level === 'error')).toBe(true);
    expect(await viewRecords('rs-errors', 2)).toEqual(core);
    expect(await viewRecords('js-errors', 2)).toEqual(core);
  });

  it('as a produce check, a Rust component refuses a batch with a bad record and stores a good one', async () => {
    await createTopic(c, 'checked-by-component', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter-component-rs', topic: 'checked-by-component', params: PARAMS })).status).toBe(201);
    expect((await produce(c, 'checked-by-component', 0, valuesBatch([line('error', 1), line('error', 2)]))).errorCode).toBe(0);
    const bad = await produce(c, 'checked-by-component', 0, valuesBatch([line('error', 3), line('info', 4), line('error', 5)]));
    expect(bad.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(bad.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    const stored = await fetchOnce(c, 'checked-by-component', 0, 0n);
    expect(stored.highWatermark).toBe(2n);
    expect(stored.records.map((r) => JSON.parse(r.value!).n)).toEqual([1, 2]);
  });

  it('as a derived topic, a Rust component stores what the core module\'s view answers', async () => {
    expect((await attach(t.address, { kind: 'derived', module: 'json-filter-component-rs', topic: 'logs', to: 'rs-derived', params: PARAMS })).status).toBe(201);
    for (;;) {
      const r = await admin(t.address, 'GET', '/v1/pipelines/rs-derived');
      expect(r.status).toBe(200);
      const s = r.body as { state: string; lag: string };
      expect(s.state).not.toBe('halted');
      if (s.lag === '0') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const derived = await viewRecords('rs-derived', 2);
    const core = await viewRecords('core-errors', 2);
    expect(derived.map((p) => p.map((r) => r.value))).toEqual(core.map((p) => p.map((r) => r.value)));
  });

  it('that never returns misses its deadline as a view, its records are skipped, and other topics are served meanwhile', async () => {
    expect((await attach(t.address, { kind: 'view', module: 'rust-endless-loop-component', topic: 'logs', as: 'loop-view' })).status).toBe(201);
    const { stuck, plain, stuckMs, plainAheadMs } = await fetchWhileStuck(c, () => t.client(), { topic: 'loop-view', partition: 0 }, { topic: 'logs', partition: 1 });
    expect(plain.records.length).toBe(400);
    expect(stuck.records).toEqual([]);
    expect(stuckMs).toBeGreaterThanOrEqual(900);
    expect(plainAheadMs).toBeGreaterThan(300);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/loop-view')).body as { stats: { errors: Record<string, number>; recordsSkipped: number } };
    expect(status.stats.errors['deadline']).toBe(1);
    expect(status.stats.recordsSkipped).toBe(400);
  });

  it('that never returns fails a checked produce with a clear message and stores nothing, and the next produce elsewhere succeeds', async () => {
    await createTopic(c, 'checked-by-loop', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'rust-endless-loop-component', topic: 'checked-by-loop' })).status).toBe(201);
    const r = await produce(c, 'checked-by-loop', 0, valuesBatch([line('error', 1)]));
    expect(r.errorCode).not.toBe(0);
    expect(r.errorMessage).toMatch(/deadline/);
    expect((await fetchOnce(c, 'checked-by-loop', 0, 0n)).highWatermark).toBe(0n);
    expect((await produce(c, 'logs', 0, valuesBatch([line('info', 400)]))).errorCode).toBe(0);
  });
});
