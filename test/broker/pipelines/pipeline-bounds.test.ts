/**
 * Derived topics' named bounds, each crossed: source records per step, output bytes per step,
 * the size of an aggregate state kept inline, the steps held uncommitted, and the derived topic's
 * max.message.bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import {
  DERIVED_TOPIC_MAX_MESSAGE_BYTES, PIPELINE_STATE_INLINE_MAX_BYTES, PIPELINE_STEP_MAX_RECORDS, PIPELINE_STEP_OUTPUT_MAX_BYTES,
  PIPELINE_UNCOMMITTED_STEPS_MAX,
} from '../../../broker/constants.js';
import { PipelineRunner, type PipelineLog } from '../../../broker/pipelines/pipeline-runner.js';
import { ModuleHost } from '../../../broker/smartmodules/module-host.js';
import { stateObjectPrefix } from '../../../broker/pipelines/state-refs.js';
import { Compression, buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, fetchAll, fetchOnce, produce, registerModule } from '../smartmodules/record-path-helpers.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();

interface Status {
  lag: string;
  state: string;
  stats: { calls: number; recordsIn: number; recordsOut: number } | null;
}

/** Polls until the pipeline has taken `records` source records in (bounded by the test's timeout). */
async function untilIn(name: string, records: number): Promise<Status> {
  for (;;) {
    const r = await admin(t.address, 'GET', `/v1/pipelines/${name}`);
    expect(r.status).toBe(200);
    const s = r.body as Status;
    if (s.state === 'halted') throw new Error(`pipeline ${name} halted: ${JSON.stringify(r.body)}`);
    if (s.lag === '0' && (s.stats?.recordsIn ?? 0) >= records) return s;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function produceKeyed(topic: string, records: { key: string; value: string }[]): Promise<void> {
  const r = await produce(c, topic, 0, buildRecordBatch(records.map((x) => ({ key: enc.encode(x.key), value: enc.encode(x.value) }))));
  expect(r.errorCode).toBe(0);
}

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['pass-through', 'count-sum', 'value-flood']) await registerModule(t.address, m);
});
afterAll(async () => {
  await t?.stop();
});

describe('a pipeline', () => {
  // One source batch of more records than a step takes, plain and gzip (which the worker inflates once).
  for (const compression of [Compression.none, Compression.gzip]) {
    it(`reads at most ${PIPELINE_STEP_MAX_RECORDS} source records a step, every record once and in order (${compression === Compression.none ? 'plain' : 'gzip'} batch)`, async () => {
      const n = 2 * PIPELINE_STEP_MAX_RECORDS + 100;
      const topic = `wide-${compression}`;
      await createTopic(c, topic, 1);
      const batch = buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: enc.encode('k'), value: enc.encode(`v${i}`) })), { compression });
      expect((await produce(c, topic, 0, batch)).errorCode).toBe(0);
      expect((await attach(t.address, { kind: 'derived', module: 'pass-through', topic, to: `${topic}-copy` })).status).toBe(201);
      const s = await untilIn(`${topic}-copy`, n);
      expect(s.stats!.recordsIn).toBe(n);
      expect(s.stats!.calls).toBe(3);
      const copy = await fetchAll(c, `${topic}-copy`, 0);
      expect(copy.records.map((r) => r.value)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
      expect(copy.records.map((r) => r.offset)).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)));
    });
  }

  it(`commits at most ${PIPELINE_STEP_OUTPUT_MAX_BYTES} output bytes a step, running a larger step again over fewer records`, async () => {
    await createTopic(c, 'seeds', 1);
    await produceKeyed('seeds', ['a', 'b', 'c', 'd'].map((v) => ({ key: v, value: v })));
    // 4 × 12 MB: twice the step bound; each record alone is past a plain topic's max.message.bytes.
    const bytes = 12_000_000;
    expect((await attach(t.address, { kind: 'derived', module: 'value-flood', topic: 'seeds', to: 'grown', params: { bytes: String(bytes) } })).status).toBe(201);
    const s = await untilIn('grown', 4);
    expect(s.stats!.recordsOut).toBe(4);
    expect(s.stats!.calls).toBeGreaterThanOrEqual(Math.ceil((4 * bytes) / PIPELINE_STEP_OUTPUT_MAX_BYTES));
    const keys: string[] = [];
    for (let next = 0n; next < 4n; ) {
      const f = await fetchOnce(c, 'grown', 0, next, { maxBytes: DERIVED_TOPIC_MAX_MESSAGE_BYTES });
      expect(f.errorCode).toBe(0);
      for (const r of f.records) {
        expect(r.value!.length).toBe(bytes);
        keys.push(String(r.offset));
      }
      expect(f.next).toBeGreaterThan(next);
      next = f.next;
    }
    expect(keys).toEqual(['0', '1', '2', '3']);
  });

  it(`keeps an aggregate state past ${PIPELINE_STATE_INLINE_MAX_BYTES} bytes as an object of its own, read back after a restart`, async () => {
    await createTopic(c, 'spread', 1);
    // count-sum keeps ~30 bytes per key: 600 keys are about twice the inline bound.
    const keys = Array.from({ length: 600 }, (_, i) => `key-${String(i).padStart(4, '0')}`);
    await produceKeyed('spread', keys.map((k) => ({ key: k, value: JSON.stringify({ amount: 1 }) })));
    expect((await attach(t.address, { kind: 'derived', module: 'count-sum', topic: 'spread', to: 'spread-totals' })).status).toBe(201);
    await untilIn('spread-totals', keys.length);
    const objects = await t.broker.store.list(stateObjectPrefix('spread-totals'));
    expect(objects.length).toBeGreaterThanOrEqual(1);
    expect(objects.every((o) => o.size > PIPELINE_STATE_INLINE_MAX_BYTES)).toBe(true);

    await t.restart();
    c = await t.client();
    await produceKeyed('spread', keys.map((k) => ({ key: k, value: JSON.stringify({ amount: 2 }) })));
    await untilIn('spread-totals', keys.length);
    const out = await fetchAll(c, 'spread-totals', 0);
    expect(out.records.length).toBe(2 * keys.length);
    // Every key's second record counts both: the state came back from its object.
    const second = out.records.slice(keys.length).map((r) => JSON.parse(r.value!) as { key: string; count: number; sum: number });
    expect(second).toEqual(keys.map((k) => ({ key: k, count: 2, sum: 3 })));
  });
});

describe('a pipeline whose commits are held', () => {
  it(`computes at most ${PIPELINE_UNCOMMITTED_STEPS_MAX} steps ahead of what has landed, then waits; released, it lands them all in order`, async () => {
    await createTopic(c, 'held-src', 1);
    expect((await attach(t.address, { kind: 'derived', module: 'pass-through', topic: 'held-src', to: 'held-copy' })).status).toBe(201);
    // The broker's own runner stops; this test runs the pipeline with a log whose commits wait on a gate.
    expect((await admin(t.address, 'POST', '/v1/pipelines/held-copy/pause')).status).toBe(200);
    const steps = PIPELINE_UNCOMMITTED_STEPS_MAX + 4;
    const n = steps * PIPELINE_STEP_MAX_RECORDS;
    for (let i = 0; i < n; i += PIPELINE_STEP_MAX_RECORDS) {
      await produceKeyed('held-src', Array.from({ length: PIPELINE_STEP_MAX_RECORDS }, (_, j) => ({ key: 'k', value: `v${i + j}` })));
    }
    const log = t.broker.log;
    const held: (() => void)[] = [];
    let gateOpen = false;
    const heldLog: PipelineLog = {
      read: log.read.bind(log), highWatermark: log.highWatermark.bind(log), logStartOffset: log.logStartOffset.bind(log),
      waitForData: log.waitForData.bind(log), getTopic: log.getTopic.bind(log), pipelineProgress: log.pipelineProgress.bind(log),
      haltAttachment: log.haltAttachment.bind(log), getAttachment: log.getAttachment.bind(log),
      commitPipelineStep: async (...args) => {
        if (!gateOpen) await new Promise<void>((r) => held.push(r));
        return log.commitPipelineStep(...args);
      },
    };
    const host = new ModuleHost({ store: t.broker.store, logger: pino({ level: 'silent' }) });
    let calls = 0;
    // The chain's first module gets the source's batches to convert: its calls are the steps.
    const convertAndCall = host.convertAndCall.bind(host);
    host.convertAndCall = (...args) => {
      calls++;
      return convertAndCall(...args);
    };
    const runner = new PipelineRunner({ log: heldLog, host, store: t.broker.store, logger: pino({ level: 'silent' }), onHalt: () => undefined }, log.getAttachment('derived', 'held-copy')!);
    runner.start();
    try {
      while (held.length < PIPELINE_UNCOMMITTED_STEPS_MAX) await new Promise((r) => setTimeout(r, 20));
      // Bounded wait for any step past the bound: none may be computed while the oldest is held.
      await new Promise((r) => setTimeout(r, 500));
      expect(held.length).toBe(PIPELINE_UNCOMMITTED_STEPS_MAX);
      // The steps held plus the one computed and waiting for the oldest to land.
      expect(calls).toBe(PIPELINE_UNCOMMITTED_STEPS_MAX + 1);
      gateOpen = true;
      for (const r of held.splice(0)) r();
      while (runner.positions()[0] !== BigInt(n)) await new Promise((r) => setTimeout(r, 20));
    } finally {
      gateOpen = true;
      for (const r of held.splice(0)) r();
      await runner.stop();
      await host.close();
    }
    expect(calls).toBe(steps);
    const copy = await fetchAll(c, 'held-copy', 0);
    expect(copy.records.map((r) => r.value)).toEqual(Array.from({ length: n }, (_, i) => `v${i}`));
  });
});
