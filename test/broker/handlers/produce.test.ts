import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch, concatRecordSet } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

const enc = new TextEncoder();
let t: TestBroker;
let c: KafkaClient;
/** A broker with auto-creation off, and a client of it. */
let noAuto: TestBroker;
let off: KafkaClient;

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  noAuto = await startTestBroker({ autoCreateTopics: false });
  off = await noAuto.client();
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: [
      { name: 'p', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: '200' }] },
    ],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics.map((x) => x.errorCode)).toEqual([0, 0]);
});
afterAll(async () => {
  await t?.stop();
  await noAuto?.stop();
});

function batch(values: string[]): Uint8Array {
  return buildRecordBatch(values.map((v) => ({ key: enc.encode('k'), value: enc.encode(v) })));
}

async function produce(topic: string, partition: number, records: Uint8Array | null, opts: { acks?: number; transactionalId?: string | null; version?: number; on?: KafkaClient } = {}) {
  const res = await (opts.on ?? c).request(ApiKey.Produce, opts.version ?? 7, {
    transactionalId: opts.transactionalId ?? null,
    acks: opts.acks ?? -1,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

describe('Produce', () => {
  it('acknowledges with consecutive base offsets and the log start offset', async () => {
    const a = await produce('p', 0, batch(['a', 'b', 'c']));
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(a.baseOffset).toBe(0n);
    expect(a.logStartOffset).toBe(0n);
    const b = await produce('p', 0, concatRecordSet([batch(['d']), batch(['e', 'f'])]), { acks: 1 });
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(b.baseOffset).toBe(3n);
    const other = await produce('p', 1, batch(['x']), { version: 3 });
    expect(other.baseOffset).toBe(0n);
  });

  it('appends all partitions of one request', async () => {
    const res = await c.request(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: 'p', partitionData: [{ index: 0, records: batch(['m0']) }, { index: 1, records: batch(['m1']) }] }],
    });
    expect(res.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([[0, 0], [1, 0]]);
  });

  it('creates a missing topic on first use with num.partitions, and refuses a partition it lacks', async () => {
    const first = await produce('fresh', 0, batch(['a']));
    expect([first.errorCode, first.baseOffset]).toEqual([ErrorCode.NONE, 0n]);
    expect(t.broker.log.getTopic('fresh')?.partitions).toBe(1);
    expect((await produce('fresh-2', 1, batch(['a']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce('bad/name', 0, batch(['a']))).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(t.broker.log.getTopic('bad/name')).toBeUndefined();
  });

  it('creates no topic for a record set it refuses', async () => {
    const corrupt = batch(['a']);
    corrupt[corrupt.byteLength - 1] ^= 0xff;
    expect((await produce('never', 0, corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('never', 0, null)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('never', 0, batch(['a']), { acks: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect(t.broker.log.getTopic('never')).toBeUndefined();
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition', async () => {
    expect((await produce('nope', 0, batch(['a']), { on: off })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce('p', 2, batch(['a']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce('p', -1, batch(['a']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers INVALID_REQUIRED_ACKS for acks other than 0, 1, -1', async () => {
    expect((await produce('p', 0, batch(['a']), { acks: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
  });

  it('refuses transactional produce', async () => {
    expect((await produce('p', 0, batch(['a']), { transactionalId: 'tx' })).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('answers CORRUPT_MESSAGE for a bad CRC, a truncated batch, or no records, and writes nothing', async () => {
    const before = (await produce('p', 1, batch(['probe']))).baseOffset;
    const bad = batch(['payload']);
    bad[bad.byteLength - 1] ^= 0xff;
    expect((await produce('p', 1, bad)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const whole = batch(['payload']);
    expect((await produce('p', 1, whole.subarray(0, whole.byteLength - 5))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('p', 1, null)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('p', 1, new Uint8Array(0))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    // A valid batch followed by a corrupt one: the whole request for the partition is refused.
    expect((await produce('p', 1, concatRecordSet([batch(['ok']), bad]))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const after = await produce('p', 1, batch(['probe2']));
    expect(after.baseOffset).toBe(before + 1n);
  });

  it('answers UNSUPPORTED_FOR_MESSAGE_FORMAT for magic 0/1 and CORRUPT_MESSAGE for other magics', async () => {
    const v1 = batch(['old']);
    v1[16] = 1;
    expect((await produce('p', 0, v1)).errorCode).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
    const v7 = batch(['weird']);
    v7[16] = 7;
    expect((await produce('p', 0, v7)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('answers MESSAGE_TOO_LARGE for a batch above the topic max.message.bytes', async () => {
    expect((await produce('small', 0, batch(['x'.repeat(300)]))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await produce('small', 0, batch(['fits']))).errorCode).toBe(ErrorCode.NONE);
  });
});
