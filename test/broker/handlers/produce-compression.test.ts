/**
 * A topic's compression.type on the produce path: batches in another codec are stored in the
 * topic's, with their offsets, CRC and idempotent producer state right; batches a produce check
 * rewrote take the topic's codec too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { Compression, buildRecordBatch, compressionOf, decodeRecords, verifyCrc } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { attach, produce, registerModule, storedBatches } from '../smartmodules/record-path-helpers.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();
const dec = new TextDecoder();

async function createWithCodec(name: string, codec: string): Promise<void> {
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: codec }] }],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics[0]!.errorCode).toBe(ErrorCode.NONE);
}


const values = (batches: Uint8Array[]): string[] => batches.flatMap((b) => decodeRecords(b).map((r) => dec.decode(r.value!)));

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
});
afterAll(async () => {
  await t?.stop();
});

describe('compression.type on produce', () => {
  it.each(['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'])('stores every batch in %s, whatever the producer sent', async (codec) => {
    const topic = `codec-${codec}`;
    await createWithCodec(topic, codec);
    const plain = buildRecordBatch([{ key: null, value: enc.encode('a') }, { key: null, value: enc.encode('b') }]);
    const gzipped = buildRecordBatch([{ key: null, value: enc.encode('c') }], { compression: Compression.gzip });
    expect((await produce(c, topic, 0, plain)).baseOffset).toBe(0n);
    expect((await produce(c, topic, 0, gzipped)).baseOffset).toBe(2n);
    const batches = await storedBatches(c, topic);
    const want = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[codec];
    expect(batches.map((b) => [compressionOf(new DataView(b.buffer, b.byteOffset).getInt16(21)), verifyCrc(b)])).toEqual([[want, true], [want, true]]);
    expect(values(batches)).toEqual(['a', 'b', 'c']);
  });

  it('keeps an idempotent producer right: a retried batch gets its first offset back, a gap is refused', async () => {
    await createWithCodec('codec-idempotent', 'zstd');
    const pid = await c.request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    const batch = (seq: number, v: string) =>
      buildRecordBatch([{ key: null, value: enc.encode(v) }], { producerId: pid.producerId, producerEpoch: pid.producerEpoch, baseSequence: seq });
    expect((await produce(c, 'codec-idempotent', 0, batch(0, 'x'))).baseOffset).toBe(0n);
    expect((await produce(c, 'codec-idempotent', 0, batch(1, 'y'))).baseOffset).toBe(1n);
    const retry = await produce(c, 'codec-idempotent', 0, batch(1, 'y'));
    expect([retry.errorCode, retry.baseOffset]).toEqual([ErrorCode.NONE, 1n]);
    expect((await produce(c, 'codec-idempotent', 0, batch(5, 'z'))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const batches = await storedBatches(c, 'codec-idempotent');
    expect(values(batches)).toEqual(['x', 'y']);
    expect(batches.map((b) => decodeRecords(b)[0]!.offset)).toEqual([0n, 1n]);
  });

  it('compresses the batches a produce check rewrote with the topic codec', async () => {
    await registerModule(t.address, 'json-map');
    await createWithCodec('codec-mapped', 'lz4');
    expect((await attach(t.address, { kind: 'produce', module: 'json-map', topic: 'codec-mapped', params: { upper: 'level' } })).status).toBe(201);
    const r = await produce(c, 'codec-mapped', 0, buildRecordBatch([{ key: null, value: enc.encode('{"level":"warn"}') }], { compression: Compression.gzip }));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    const batches = await storedBatches(c, 'codec-mapped');
    expect(batches.map((b) => compressionOf(new DataView(b.buffer, b.byteOffset).getInt16(21)))).toEqual([Compression.lz4]);
    expect(values(batches)).toEqual(['{"level":"WARN"}']);
  });
});
