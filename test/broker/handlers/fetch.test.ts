import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_MAX_WAIT_MS } from '../../../broker/constants.js';
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
    topics: ['f', 'quiet', 'big', 'elsewhere'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics.map((x) => x.errorCode)).toEqual([0, 0, 0, 0]);
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

  /** Tracks whether a request has been answered yet, without timing it. */
  function track<T>(request: Promise<T>): { request: Promise<T>; answered: () => boolean } {
    let answered = false;
    void request.then(
      () => (answered = true),
      () => (answered = true),
    );
    return { request, answered: () => answered };
  }

  /**
   * A produce acknowledged on another connection, then one more round trip there: any answer the broker
   * sent the poll because of that produce is on the wire before this returns.
   */
  async function produceElsewhere(other: KafkaClient, topic: string, partition: number, value: string): Promise<void> {
    const res = await other.request(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch([{ key: null, value: enc.encode(value) }]) }] }],
    });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    await other.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'fetch-test', clientSoftwareVersion: '0' });
  }

  it('long-polls when there is no data: still waiting after data lands elsewhere, then answers empty at maxWaitMs', async () => {
    const other = await t.client();
    const poll = track(c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0n }], { maxWaitMs: 2_000 })));
    await produceElsewhere(other, 'elsewhere', 0, 'not for the poll');
    expect(poll.answered()).toBe(false);
    const res = await poll.request;
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(res.responses[0]!.partitions[0]!.records?.byteLength ?? 0).toBe(0);
  });

  // maxWaitMs is the broker's cap, past this test's timeout: only the produce can end this poll in time.
  it('answers as soon as data arrives on the polled partition, with that data', { timeout: FETCH_MAX_WAIT_MS / 2 }, async () => {
    const other = await t.client();
    const poll = track(c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 1, offset: 0n }], { maxWaitMs: FETCH_MAX_WAIT_MS })));
    await produceElsewhere(other, 'elsewhere', 1, 'not for the poll');
    expect(poll.answered()).toBe(false);
    await produceElsewhere(other, 'quiet', 1, 'wake');
    const res = await poll.request;
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['wake']);
  });

  it('waits for minBytes across new data, and answers once a produce satisfies it', { timeout: FETCH_MAX_WAIT_MS / 2 }, async () => {
    const other = await t.client();
    await produce('quiet', 0, ['tiny']);
    const minBytes = 2_000;
    const poll = track(c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0n }], { maxWaitMs: FETCH_MAX_WAIT_MS, minBytes })));
    await produceElsewhere(other, 'quiet', 0, 'still tiny'); // new data on the partition, still short of minBytes
    expect(poll.answered()).toBe(false);
    await produceElsewhere(other, 'quiet', 0, 'x'.repeat(minBytes));
    const res = await poll.request;
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['tiny', 'still tiny', 'x'.repeat(minBytes)]);
  });

  it('gives up at maxWaitMs with what it has when minBytes is never reached', async () => {
    const res = await c.request(ApiKey.Fetch, 11, fetchRequest([{ topic: 'quiet', partition: 0, offset: 0n }], { maxWaitMs: 300, minBytes: 1 << 20 }));
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(values(res.responses[0]!.partitions[0]!.records)).toEqual(['tiny', 'still tiny', 'x'.repeat(2_000)]);
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
