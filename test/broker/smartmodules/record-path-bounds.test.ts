/**
 * The record path's named bounds, each crossed: records per module call, source bytes a view
 * scans per fetch, calls spent isolating failures, record errors a produce check names,
 * attachments per cluster, calls waiting per attachment, and latency samples kept.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTACHMENT_CALLS_QUEUED_MAX, ATTACHMENT_LATENCY_SAMPLES_COUNT, ATTACHMENTS_MAX_COUNT, PRODUCE_CHECK_RECORD_ERRORS_MAX,
  VIEW_CALL_MAX_RECORDS, VIEW_FETCH_SCAN_MAX_BYTES, VIEW_ISOLATE_CALLS_MAX,
} from '../../../broker/constants.js';
import type { AttachmentInfo } from '../../../broker/log/index.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import { AttachmentStats } from '../../../broker/smartmodules/attachment-stats.js';
import { ModuleHost } from '../../../broker/smartmodules/module-host.js';
import { readView } from '../../../broker/smartmodules/view-read.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { InlineRunner, SandboxError, type ModuleRunner } from '../../../runtime/index.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, fetchAll, fetchOnce, produce, registerModule, valuesBatch } from './record-path-helpers.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();

interface Stats {
  calls: number;
  recordsIn: number;
  recordsSkipped: number;
}

async function statsOf(name: string): Promise<Stats> {
  const r = await admin(t.address, 'GET', `/v1/attachments/view/${name}`);
  expect(r.status).toBe(200);
  return (r.body as { stats: Stats }).stats;
}

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['json-filter', 'pass-through', 'trap']) await registerModule(t.address, m);
});
afterAll(async () => {
  await t?.stop();
});

describe('a view\'s call buffers', () => {
  it('go back to the attachment after every call, input and output, so calls take recycled buffers', async () => {
    await createTopic(c, 'small', 1);
    for (let b = 0; b < 10; b++) await produce(c, 'small', 0, valuesBatch(Array.from({ length: VIEW_CALL_MAX_RECORDS }, (_, i) => `${b}-${i}`)));
    expect((await attach(t.address, { kind: 'view', module: 'pass-through', topic: 'small', as: 'small-all' })).status).toBe(201);
    const host = new ModuleHost({ store: t.broker.store, logger: pino({ level: 'silent' }) });
    try {
      const info = t.broker.log.getAttachment('view', 'small-all')!;
      const read = await readView(host, t.broker.log, info, 0, 0n, 64 * 1024 * 1024, 'control');
      expect(read.records.length).toBe(10);
      const rt = await host.runtimeFor(info);
      const s = rt.buffers.stats();
      // Ten calls: every input and every output given back (a transferred input is dropped, its
      // output came back in its buffer), and all but the first takes served from them.
      expect(s.kept + s.dropped).toBe(20);
      expect(s.reused).toBeGreaterThanOrEqual(s.taken - 2);
    } finally {
      await host.close();
    }
  });
});

describe('a view', () => {
  it(`hands its module at most ${VIEW_CALL_MAX_RECORDS} records a call`, async () => {
    const n = 2 * VIEW_CALL_MAX_RECORDS + 100;
    await createTopic(c, 'many', 1);
    await produce(c, 'many', 0, valuesBatch(Array.from({ length: n }, (_, i) => `v${i}`)));
    expect((await attach(t.address, { kind: 'view', module: 'pass-through', topic: 'many', as: 'many-all' })).status).toBe(201);
    const read = await fetchOnce(c, 'many-all', 0, 0n);
    expect(read.records.length).toBe(n);
    const s = await statsOf('many-all');
    expect(s.recordsIn).toBe(n);
    expect(s.calls).toBe(3);
  });

  it(`scans at most ${VIEW_FETCH_SCAN_MAX_BYTES} source bytes per fetch when it keeps nothing, and the next fetch goes on`, async () => {
    await createTopic(c, 'big', 1);
    const value = 'x'.repeat(1000);
    const perBatch = 1000;
    const batches = Math.ceil((VIEW_FETCH_SCAN_MAX_BYTES * 1.5) / (perBatch * value.length));
    for (let b = 0; b < batches; b++) await produce(c, 'big', 0, valuesBatch(Array.from({ length: perBatch }, () => value)));
    const total = BigInt(batches * perBatch);
    expect((await attach(t.address, { kind: 'view', module: 'json-filter', topic: 'big', as: 'big-none', params: { field: 'level', value: 'none' } })).status).toBe(201);
    const first = await fetchOnce(c, 'big-none', 0, 0n);
    expect(first.records).toEqual([]);
    expect(first.highWatermark).toBe(total);
    // Past the first whole batch, short of the bound plus one batch; the rest is left for the next fetch.
    expect(first.next).toBeGreaterThan(BigInt(perBatch));
    expect(first.next).toBeLessThan(total);
    expect((await statsOf('big-none')).recordsIn).toBeLessThanOrEqual(VIEW_FETCH_SCAN_MAX_BYTES / value.length + perBatch);
    const second = await fetchOnce(c, 'big-none', 0, first.next);
    expect(second.next).toBe(total);
  });

  it(`spends at most ${VIEW_ISOLATE_CALLS_MAX} extra calls on a call where every record fails, then skips the call whole`, async () => {
    await createTopic(c, 'booms', 1);
    await produce(c, 'booms', 0, valuesBatch(Array.from({ length: 200 }, () => 'boom')));
    expect((await attach(t.address, { kind: 'view', module: 'trap', topic: 'booms', as: 'booms-skip' })).status).toBe(201);
    const all = await fetchAll(c, 'booms-skip', 0);
    expect(all.errorCode).toBe(0);
    expect(all.records).toEqual([]);
    const s = await statsOf('booms-skip');
    expect(s.recordsSkipped).toBe(200);
    // Isolating one by one would cost ~400 calls: the bound stops it.
    expect(s.calls).toBeLessThanOrEqual(VIEW_ISOLATE_CALLS_MAX + 2);
    // The view goes on past them.
    await produce(c, 'booms', 0, valuesBatch(['fine']));
    expect((await fetchOnce(c, 'booms-skip', 0, 200n)).records).toEqual([{ offset: 200n, value: 'fine' }]);
  });
});

describe('a produce check', () => {
  it(`names the first ${PRODUCE_CHECK_RECORD_ERRORS_MAX} rejected records and counts the rest`, async () => {
    await createTopic(c, 'strict', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter', topic: 'strict', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const n = PRODUCE_CHECK_RECORD_ERRORS_MAX + 50;
    const batch = buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: enc.encode(JSON.stringify({ level: 'info', i })) })));
    const r = await produce(c, 'strict', 0, batch);
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors.map((e) => e.batchIndex)).toEqual(Array.from({ length: PRODUCE_CHECK_RECORD_ERRORS_MAX }, (_, i) => i));
    expect(r.errorMessage).toMatch(new RegExp(`^${n} of ${n} record\\(s\\) rejected by module json-filter .*: record 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \\.\\.\\.$`));
    expect((await fetchOnce(c, 'strict', 0, 0n)).highWatermark).toBe(0n);
  });
});

describe('a cluster', () => {
  it(`keeps at most ${ATTACHMENTS_MAX_COUNT} attachments and refuses one more with a clear message`, async () => {
    await createTopic(c, 'crowded', 1);
    const existing = ((await admin(t.address, 'GET', '/v1/attachments')).body as unknown[]).length;
    for (let i = existing; i < ATTACHMENTS_MAX_COUNT; i++) {
      const r = await attach(t.address, { kind: 'view', module: 'pass-through', topic: 'crowded', as: `crowded-${i}` });
      expect(r.status).toBe(201);
    }
    const over = await attach(t.address, { kind: 'view', module: 'pass-through', topic: 'crowded', as: 'crowded-over' });
    expect(over.status).toBe(409);
    expect(JSON.stringify(over.body)).toContain(`this cluster has ${ATTACHMENTS_MAX_COUNT} attachments`);
    // Replacing an attachment is not one more.
    expect((await attach(t.address, { kind: 'view', module: 'json-filter', topic: 'crowded', as: `crowded-${existing}`, replace: true, params: { field: 'a', value: 'b' } })).status).toBe(201);
    expect((await admin(t.address, 'DELETE', `/v1/attachments/view/crowded-${existing}`)).status).toBe(200);
    expect((await attach(t.address, { kind: 'view', module: 'pass-through', topic: 'crowded', as: 'crowded-over' })).status).toBe(201);
  });
});

/** A runner that holds every call until released, around the real inline runner. */
class HeldRunner implements ModuleRunner {
  readonly mode = 'inline' as const;
  readonly #inner = new InlineRunner();
  #held: (() => void)[] = [];
  started = 0;
  register: ModuleRunner['register'] = (m, o) => this.#inner.register(m, o);
  run: ModuleRunner['run'] = async (h, input, state, options) => {
    this.started++;
    await new Promise<void>((resolve) => this.#held.push(resolve));
    return this.#inner.run(h, input, state, options);
  };
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

describe('an attachment whose module is slow', () => {
  it(`lets ${ATTACHMENT_CALLS_QUEUED_MAX} calls wait behind the running one and refuses the next as queue-full`, async () => {
    const runner = new HeldRunner();
    const host = new ModuleHost({ store: t.broker.store, logger: pino({ level: 'silent' }), runner });
    const info = t.broker.log.getAttachment('view', 'many-all')!;
    const rt = await host.runtimeFor(info);
    const input = new Uint8Array([0, 0, 0, 0]);
    const accepted = Array.from({ length: 1 + ATTACHMENT_CALLS_QUEUED_MAX }, () => host.call(rt, input.slice()));
    const over = host.call(rt, input.slice());
    await expect(over).rejects.toSatisfy((e: unknown) => e instanceof SandboxError && e.kind === 'queue-full');
    expect(runner.started).toBe(1);
    for (let i = 0; i <= ATTACHMENT_CALLS_QUEUED_MAX; i++) {
      await new Promise((r) => setImmediate(r));
      runner.release();
    }
    const outputs = await Promise.all(accepted);
    expect(outputs.length).toBe(1 + ATTACHMENT_CALLS_QUEUED_MAX);
    expect(runner.started).toBe(1 + ATTACHMENT_CALLS_QUEUED_MAX);
    await host.close();
  });
});

describe('attachment stats', () => {
  it(`report latency over the latest ${ATTACHMENT_LATENCY_SAMPLES_COUNT} calls only`, () => {
    const stats = new AttachmentStats({ name: 'a', kind: 'view' } as AttachmentInfo, undefined);
    for (let i = 0; i < ATTACHMENT_LATENCY_SAMPLES_COUNT; i++) stats.call(1, 1, 500);
    expect(stats.snapshot().latencyP50Ms).toBe(500);
    for (let i = 0; i < ATTACHMENT_LATENCY_SAMPLES_COUNT; i++) stats.call(1, 1, 2);
    const s = stats.snapshot();
    expect([s.latencyP50Ms, s.latencyP99Ms]).toEqual([2, 2]);
    expect(s.calls).toBe(2 * ATTACHMENT_LATENCY_SAMPLES_COUNT);
  });
});
