import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import type { FetchRequest } from '../../../broker/protocol/apis/fetch.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch, decodeRecords, iterateBatches } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
let t: TestBroker;
let c: KafkaClient;

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: ['f', 'quiet', 'big'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics.map((x) => x.errorCode)).toEqual([0, 0, 0]);
  for (let i = 0; i < 3; i++) await produce('f', 0, [`r${i * 2}`, `r${i * 2 + 1}`]);
  for (let i = 0; i < 4; i++) await produce('big', 0, ['y'.repeat(2000)]);
});
afterAll(async () => {
  await t?.stop();
});

async function produce(topic: string, partition: number, values: string[]): Promise<bigint> {
  const res = await c.request(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch(values.map((v) => ({ key: null, value: enc.encode(v) }))) }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  expect(p.errorCode).toBe(ErrorCode.NONE);
  return p.baseOffset;
}

function fetchRequest(parts: { topic: string; partition: number; offset: bigint; partitionMaxBytes?: number }[], opts: Partial<FetchRequest> = {}): FetchRequest {
  const topics = new Map<string, FetchRequest['topics'][number]>();
  for (const p of parts) {
    let t = topics.get(p.topic);
    if (!t) topics.set(p.topic, (t = { topic: p.topic, partitions: [] }));
    t.partitions.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, logStartOffset: -1n, partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20 });
  }
  return { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [...topics.values()], forgottenTopicsData: [], rackId: '', ...opts };
}

function values(records: Uint8Array | null, from = 0n): string[] {
  const out: string[] = [];
  for (const b of iterateBatches(records ?? new Uint8Array(0), { truncated: 'stop' })) {
    for (const r of decodeRecords(b.bytes)) if (r.offset >= from) out.push(dec.decode(r.value!));
  }
  return out;
}

describe('Fetch', () => {
  it.each([4, 7, 11])('v%i returns the records from the fetch offset with HW, LSO and log start', async (v) => {
    const res = await c.request(ApiKey.Fetch, v, fetchRequest([{ topic: 'f', partition: 0, offset: 3n }]));
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const p = res.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.highWatermark).toBe(6n);
    expect(p.lastStableOffset).toBe(6n);
    if (v >= 5) expect(p.logStartOffset).toBe(0n);
    if (v >= 11) expect(p.preferredReadReplica).toBe(-1);
    expect(values(p.records, 3n)).toEqual(['r3', 'r4', 'r5']);
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark, and unknown topic/partition', async () => {
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([
      { topic: 'f', partition: 0, offset: 7n },
      { topic: 'f', partition: 5, offset: 0n },
      { topic: 'ghost', partition: 0, offset: 0n },
    ]));
    const [f, ghost] = res.responses;
    expect(f!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(f!.partitions[0]!.highWatermark).toBe(6n);
    expect(ghost!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('at the high watermark answers empty, with no error', async () => {
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'f', partition: 0, offset: 6n }]));
    const p = res.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.records?.byteLength ?? 0).toBe(0);
  });

  it('long-polls for maxWaitMs when there is no data', async () => {
    const started = Date.now();
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0n }], { maxWaitMs: 400 }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(3_000);
    expect(res.responses[0]!.partitions[0]!.records?.byteLength ?? 0).toBe(0);
  });

  it('answers early when data arrives during the poll', async () => {
    const other = await t.client();
    const started = Date.now();
    const poll = c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 1, offset: 0n }], { maxWaitMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 200));
    await other.request(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: 'quiet', partitionData: [{ index: 1, records: buildRecordBatch([{ key: null, value: enc.encode('wake') }]) }] }],
    });
    const res = await poll;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['wake']);
  });

  it('waits for minBytes across new data, and gives up at maxWaitMs with what it has', async () => {
    await produce('quiet', 0, ['tiny']);
    const started = Date.now();
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0n }], { maxWaitMs: 300, minBytes: 1 << 20 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['tiny']);
  });

  it('returns one whole batch even when it exceeds maxBytes and partitionMaxBytes, then respects the limits', async () => {
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'big', partition: 0, offset: 0n, partitionMaxBytes: 100 }], { maxBytes: 100 }));
    const p = res.responses[0]!.partitions[0]!;
    expect(values(p.records)).toHaveLength(1);
    const five = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'big', partition: 0, offset: 0n, partitionMaxBytes: 5000 }]));
    // Two 2 KB batches fit in 5000 bytes; a third does not.
    expect(values(five.responses[0]!.partitions[0]!.records)).toHaveLength(2);
  });

  it('spends maxBytes across partitions: the first gets data, the rest get none once it is spent', async () => {
    await produce('big', 1, ['z'.repeat(2000)]);
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([
      { topic: 'big', partition: 0, offset: 0n },
      { topic: 'big', partition: 1, offset: 0n },
    ], { maxBytes: 3000 }));
    const [p0, p1] = res.responses[0]!.partitions;
    expect(values(p0!.records)).toHaveLength(1);
    expect(p1!.records?.byteLength ?? 0).toBe(0);
    expect(p1!.highWatermark).toBe(1n);
  });

  it('refuses incremental fetch sessions (we hand out none)', async () => {
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'f', partition: 0, offset: 0n }], { sessionId: 42, sessionEpoch: 1 }));
    expect(res.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });
});
