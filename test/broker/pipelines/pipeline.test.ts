import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { buildRecordBatch, decodeRecords, isControlBatch, iterateBatches } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import type { HostRecord } from '../../../runtime/index.js';
import { INPUT_BATCH_MAX_BYTES } from '../../../runtime/constants.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, produce, registerModule } from '../smartmodules/record-path-helpers.js';
import { foldCountSum, referenceOutput, type RefStep } from './reference.js';
import { BAD_OUTPUT_PROCESS, abiModule } from '../../runtime/wat-modules.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();
const dec = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

interface PipelineStatus {
  state: string;
  lag: string;
  halted: { partition: number; offset: string; reason: string } | null;
  stats: { recordsIn: number; recordsOut: number; recordsSkipped: number; errors: Record<string, number> } | null;
}

async function status(name: string): Promise<PipelineStatus> {
  const r = await admin(t.address, 'GET', `/v1/pipelines/${name}`);
  if (r.status !== 200) throw new Error(`status ${name}: ${JSON.stringify(r.body)}`);
  return r.body as PipelineStatus;
}

/** Polls until the pipeline's state passes `done` (bounded: the test's own timeout stops it). */
async function until(name: string, done: (s: PipelineStatus) => boolean): Promise<PipelineStatus> {
  for (;;) {
    const s = await status(name);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readAll(topic: string, partition: number): Promise<HostRecord[]> {
  const out: HostRecord[] = [];
  let next = 0n;
  for (;;) {
    const res = await c.request(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 16 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next, logStartOffset: -1n, partitionMaxBytes: 16 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = res.responses[0]!.partitions[0]!;
    for (const b of iterateBatches(p.records ?? new Uint8Array(0), { truncated: 'stop' })) {
      if (!isControlBatch(b.header.attributes)) for (const r of decodeRecords(b.bytes)) if (r.offset >= next) out.push(r);
      next = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
    }
    if (next >= p.highWatermark) return out;
  }
}

const line = (level: string, amount: number): string => JSON.stringify({ level, amount });

async function produceValues(topic: string, partition: number, values: { key: string; value: string }[]): Promise<void> {
  const r = await produce(c, topic, partition, buildRecordBatch(values.map((v) => ({ key: enc.encode(v.key), value: enc.encode(v.value) }))));
  expect(r.errorCode).toBe(0);
}

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['json-filter', 'count-sum', 'json-split', 'trap', 'pass-through']) await registerModule(t.address, m);
});
afterAll(async () => {
  await t?.stop();
});

describe('a derived topic', () => {
  it('holds exactly what the chain gives over the source, partition by partition, and follows new records', async () => {
    await createTopic(c, 'orders', 3);
    for (let p = 0; p < 3; p++) {
      for (let b = 0; b < 5; b++) {
        await produceValues('orders', p, Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, value: line(i % 3 === 0 ? 'error' : 'info', b * 1000 + i) })));
      }
    }
    const chain: RefStep[] = [{ module: 'json-filter', params: { field: 'level', value: 'error' } }, { module: 'count-sum', params: { field: 'amount' } }];
    const r = await attach(t.address, { kind: 'derived', module: 'json-filter', params: chain[0]!.params, then: [chain[1]], topic: 'orders', to: 'order-totals' });
    expect(r.status).toBe(201);
    await until('order-totals', (s) => s.lag === '0');
    for (let p = 0; p < 3; p++) {
      const source = await readAll('orders', p);
      const got = (await readAll('order-totals', p)).map((x) => ({ key: dec(x.key), value: dec(x.value) }));
      expect(got).toEqual(await referenceOutput(chain, source));
      // The last running total of each key is the fold of the source by hand.
      const fold = foldCountSum(source.filter((x) => JSON.parse(dec(x.value)!).level === 'error'), 'amount');
      const last = new Map(got.map((x) => [JSON.parse(x.value!).key as string, JSON.parse(x.value!) as { count: number; sum: number }]));
      expect(new Map([...last].map(([k, v]) => [k, { count: v.count, sum: v.sum }]))).toEqual(fold);
    }
    // New source records follow into the derived topic.
    const before = (await readAll('order-totals', 1)).length;
    await produceValues('orders', 1, [{ key: 'k1', value: line('error', 5) }]);
    await until('order-totals', (s) => s.lag === '0');
    expect((await readAll('order-totals', 1)).length).toBe(before + 1);
  });

  it('fans out with array_map, and refuses producers: only its pipeline writes it', async () => {
    await createTopic(c, 'lists', 1);
    await produceValues('lists', 0, [{ key: 'a', value: '[1,2,3]' }, { key: 'b', value: '[]' }, { key: 'c', value: '[4]' }]);
    expect((await attach(t.address, { kind: 'derived', module: 'json-split', topic: 'lists', to: 'items' })).status).toBe(201);
    await until('items', (s) => s.lag === '0');
    expect((await readAll('items', 0)).map((x) => [dec(x.key), dec(x.value)])).toEqual([['a', '1'], ['a', '2'], ['a', '3'], ['c', '4']]);
    const refused = await produce(c, 'items', 0, buildRecordBatch([{ key: null, value: enc.encode('x') }]));
    expect(refused.errorMessage).toBe('items is written by its pipeline from lists; produce to lists');
  });

  it('grows with its source: a new source partition feeds the same derived partition', async () => {
    await createTopic(c, 'growing', 1);
    await produceValues('growing', 0, [{ key: 'a', value: 'one' }]);
    expect((await attach(t.address, { kind: 'derived', module: 'pass-through', topic: 'growing', to: 'grown' })).status).toBe(201);
    await until('grown', (s) => s.lag === '0');
    await t.broker.log.createPartitions('growing', 3);
    expect(t.broker.log.getTopic('grown')?.partitions).toBe(3);
    await expect(t.broker.log.createPartitions('grown', 4)).rejects.toThrow(/derived topic: its partitions follow growing/);
    await produceValues('growing', 2, [{ key: 'b', value: 'two' }]);
    await until('grown', (s) => s.lag === '0' && (s as unknown as { partitions: unknown[] }).partitions.length === 3);
    expect((await readAll('grown', 2)).map((x) => dec(x.value))).toEqual(['two']);
  });

  it('pauses where it is, stays paused across a restart, and resumes from its position', async () => {
    await createTopic(c, 'ticks', 1);
    await produceValues('ticks', 0, [{ key: 'a', value: line('error', 1) }]);
    expect((await attach(t.address, { kind: 'derived', module: 'pass-through', topic: 'ticks', to: 'ticks-copy' })).status).toBe(201);
    await until('ticks-copy', (s) => s.lag === '0');
    expect((await admin(t.address, 'POST', '/v1/pipelines/ticks-copy/pause')).status).toBe(200);
    await produceValues('ticks', 0, [{ key: 'b', value: line('error', 2) }]);
    await t.restart();
    c = await t.client();
    await new Promise((r) => setTimeout(r, 300));
    expect(await status('ticks-copy')).toMatchObject({ state: 'paused', lag: '1' });
    expect((await admin(t.address, 'POST', '/v1/pipelines/ticks-copy/resume')).status).toBe(200);
    await until('ticks-copy', (s) => s.lag === '0');
    expect((await readAll('ticks-copy', 0)).map((x) => dec(x.key))).toEqual(['a', 'b']);
  });
});

describe('a derived topic whose module fails on some records', () => {
  const values = ['a', 'boom', 'b', 'c', 'boom', 'd'];

  it(`under skip leaves out a record past ${INPUT_BATCH_MAX_BYTES} bytes of module input, counts it, and the rest flows`, async () => {
    const res = await c.request(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'huge-source', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: String(40 << 20) }] }],
      timeoutMs: 5_000, validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(0);
    await produceValues('huge-source', 0, ['a', 'x'.repeat(INPUT_BATCH_MAX_BYTES), 'b'].map((v) => ({ key: 'k', value: v })));
    expect((await attach(t.address, { kind: 'derived', module: 'pass-through', topic: 'huge-source', to: 'huge-copy' })).status).toBe(201);
    const s = await until('huge-copy', (x) => x.lag === '0');
    expect((await readAll('huge-copy', 0)).map((x) => dec(x.value))).toEqual(['a', 'b']);
    expect(s.stats).toMatchObject({ recordsSkipped: 1, errors: { 'bad-input': 1 } });
  });

  it('under skip leaves out what a module with a malformed output gave, as guest-error, and the rest flows', async () => {
    await createTopic(c, 'bad-output-source', 1);
    await produceValues('bad-output-source', 0, values.map((v) => ({ key: v, value: v })));
    expect((await admin(t.address, 'PUT', '/v1/modules/truncating-map', abiModule({ kind: 2, process: BAD_OUTPUT_PROCESS.truncated }))).status).toBe(201);
    expect((await attach(t.address, { kind: 'derived', module: 'truncating-map', topic: 'bad-output-source', to: 'bad-output-copy' })).status).toBe(201);
    const s = await until('bad-output-copy', (x) => x.lag === '0');
    expect(await readAll('bad-output-copy', 0)).toEqual([]);
    expect(s.stats).toMatchObject({ recordsSkipped: values.length, errors: { 'guest-error': values.length } });
  });

  // The failing module alone, and last after another (its worker then builds the record set).
  const chains = [
    { name: 'alone', attachment: { module: 'trap' } },
    { name: 'after another', attachment: { module: 'pass-through', then: [{ module: 'trap' }] } },
  ];

  it('under skip leaves them out, counts them, and the rest flows, whether the module is alone or last in its chain', async () => {
    for (const { name, attachment } of chains) {
      const [from, to] = [`mixed-skip-${name.replace(' ', '-')}`, `skipped-${name.replace(' ', '-')}`];
      await createTopic(c, from, 1);
      await produceValues(from, 0, values.map((v) => ({ key: v, value: v })));
      expect((await attach(t.address, { kind: 'derived', ...attachment, topic: from, to })).status).toBe(201);
      const s = await until(to, (x) => x.lag === '0');
      expect((await readAll(to, 0)).map((x) => dec(x.value)), name).toEqual(['a', 'b', 'c', 'd']);
      expect(s.stats, name).toMatchObject({ recordsSkipped: 2, errors: { trap: 2 } });
    }
  });

  it('under dead-letter sends them as they were to the named topic, with where they came from and why, whether the module is alone or last in its chain', async () => {
    for (const { name, attachment } of chains) {
      const [from, to, dead] = ['mixed-dlq', 'clean', 'dead'].map((x) => `${x}-${name.replace(' ', '-')}`) as [string, string, string];
      await createTopic(c, from, 1);
      await createTopic(c, dead, 1);
      await produceValues(from, 0, values.map((v) => ({ key: v, value: v })));
      expect((await attach(t.address, { kind: 'derived', ...attachment, topic: from, to, onError: 'dead-letter', deadLetterTopic: dead })).status).toBe(201);
      await until(to, (x) => x.lag === '0');
      expect((await readAll(to, 0)).map((x) => dec(x.value)), name).toEqual(['a', 'b', 'c', 'd']);
      const letters = await readAll(dead, 0);
      expect(letters.map((x) => [dec(x.key), dec(x.value)]), name).toEqual([['boom', 'boom'], ['boom', 'boom']]);
      const headers = Object.fromEntries(letters[1]!.headers.map((h) => [h.key, dec(h.value)]));
      expect(headers, name).toMatchObject({ 'sluice.source.topic': from, 'sluice.source.partition': '0', 'sluice.source.offset': '4', 'sluice.error.kind': 'trap' });
      expect(headers['sluice.error.module'], name).toMatch(/^trap /);
    }
  });

  it('under halt stops where it failed, says why, and after a fixed module and resume loses and repeats nothing', async () => {
    await createTopic(c, 'mixed-halt', 1);
    await produceValues('mixed-halt', 0, values.map((v) => ({ key: v, value: v })));
    await registerModule(t.address, 'trap', 'checker');
    expect((await attach(t.address, { kind: 'derived', module: 'checker', topic: 'mixed-halt', to: 'halted', onError: 'halt' })).status).toBe(201);
    const s = await until('halted', (x) => x.state === 'halted');
    expect(s.halted).toMatchObject({ partition: 0, offset: '0' });
    expect(s.halted!.reason).toMatch(/^trap in module checker/);
    // The fixed module under the same name, re-attached: still halted until resumed.
    await registerModule(t.address, 'pass-through', 'checker');
    expect((await attach(t.address, { kind: 'derived', module: 'checker', topic: 'mixed-halt', to: 'halted', onError: 'halt', replace: true })).status).toBe(201);
    expect((await status('halted')).state).toBe('halted');
    expect((await admin(t.address, 'POST', '/v1/pipelines/halted/resume')).status).toBe(200);
    await until('halted', (x) => x.state === 'running' && x.lag === '0');
    expect((await readAll('halted', 0)).map((x) => dec(x.value))).toEqual(values);
  });
});
