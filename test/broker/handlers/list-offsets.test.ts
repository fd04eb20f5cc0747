import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

const enc = new TextEncoder();
let t: TestBroker;
let c: KafkaClient;

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  await c.request(ApiKey.CreateTopics, 3, { topics: [{ name: 'lo', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
  // Three batches at timestamps 1000, 2000, 3000 (two records each).
  for (const ts of [1000n, 2000n, 3000n]) {
    const res = await c.request(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: 'lo', partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value: enc.encode('a'), timestampMs: ts }, { key: null, value: enc.encode('b'), timestampMs: ts + 1n }]) }] }],
    });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
  }
});
afterAll(async () => {
  await t?.stop();
});

async function offsetFor(timestamp: bigint, version = 1, partition = 0, topic = 'lo') {
  const res = await c.request(ApiKey.ListOffsets, version, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
  });
  return res.topics[0]!.partitions[0]!;
}

describe('ListOffsets', () => {
  it.each([1, 2, 5])('v%i: -1 is the high watermark, -2 the log start', async (v) => {
    expect((await offsetFor(-1n, v)).offset).toBe(6n);
    expect((await offsetFor(-2n, v)).offset).toBe(0n);
  });

  it('finds the first offset at or after a timestamp, -1 when none is', async () => {
    const mid = await offsetFor(2000n);
    expect(mid.errorCode).toBe(ErrorCode.NONE);
    expect(mid.offset).toBe(2n);
    expect(mid.timestamp).toBe(2000n);
    // Inside a batch: the record, not the batch, as Kafka answers.
    const inside = await offsetFor(2001n);
    expect([inside.offset, inside.timestamp]).toEqual([3n, 2001n]);
    expect((await offsetFor(0n)).offset).toBe(0n);
    expect((await offsetFor(99_999n)).offset).toBe(-1n);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition', async () => {
    expect((await offsetFor(-1n, 1, 0, 'ghost')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await offsetFor(-1n, 1, 3)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('InitProducerId and FindCoordinator', () => {
  it('hands out distinct producer ids and refuses transactional ids', async () => {
    const a = await c.request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    const b = await c.request(ApiKey.InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(a.producerId).not.toBe(b.producerId);
    const tx = await c.request(ApiKey.InitProducerId, 1, { transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    expect(tx.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it.each([0, 1, 2])('FindCoordinator v%i names this broker for groups', async (v) => {
    const res = await c.request(ApiKey.FindCoordinator, v, { key: 'g', keyType: 0 });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect([res.nodeId, res.host, res.port]).toEqual([1, '127.0.0.1', t.broker.port]);
  });
});
