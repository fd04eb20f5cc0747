import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { BATCH_CRC_OFFSET, Compression, buildRecordBatch, computeCrc, parseBatchHeader, verifyCrc } from '../../../broker/protocol/record-batch.js';
import { INPUT_BATCH_MAX_BYTES } from '../../../runtime/constants.js';
import { recompressRecordSet } from '../../../broker/protocol/recompress.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, fetchAll, fetchOnce, produce, registerModule, storedBatches, valuesBatch } from './record-path-helpers.js';
import { BAD_OUTPUT_PROCESS, abiModule } from '../../runtime/wat-modules.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();
const line = (level: string, n: number): string => JSON.stringify({ level, n });

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['json-filter', 'json-map', 'json-filter-map', 'trap', 'endless-loop', 'memory-hog', 'value-flood']) await registerModule(t.address, m);
  for (const [name, kind, process] of [['truncating-map', 2, BAD_OUTPUT_PROCESS.truncated], ['truncating-filter', 1, BAD_OUTPUT_PROCESS.truncated], ['moving-map', 2, BAD_OUTPUT_PROCESS.moved]] as const) {
    expect((await admin(t.address, 'PUT', `/v1/modules/${name}`, abiModule({ kind, process }))).status).toBe(201);
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('a produce check given what a module cannot take', () => {
  it('refuses a batch whose records are malformed with CORRUPT_MESSAGE, storing nothing', async () => {
    await createTopic(c, 'checked-corrupt', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter', topic: 'checked-corrupt', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const batch = valuesBatch([line('error', 1), line('error', 2)]);
    batch[61] = 0x7e; // the first record's length varint: far more than is there
    new DataView(batch.buffer, batch.byteOffset).setUint32(BATCH_CRC_OFFSET, computeCrc(batch), false);
    const r = await produce(c, 'checked-corrupt', 0, batch);
    expect(r.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await fetchOnce(c, 'checked-corrupt', 0, 0n)).highWatermark).toBe(0n);
  });

  it(`refuses a batch past ${INPUT_BATCH_MAX_BYTES} bytes of module input with INVALID_RECORD saying so, storing nothing`, async () => {
    const res = await c.request(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'checked-large', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: String(40 << 20) }] }],
      timeoutMs: 5_000, validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(0);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter', topic: 'checked-large', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const large = JSON.stringify({ level: 'error', blob: 'x'.repeat(INPUT_BATCH_MAX_BYTES / 2) });
    const r = await produce(c, 'checked-large', 0, valuesBatch([large, large]));
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.errorMessage).toMatch(/^batch of 2 records is too large for module json-filter/);
    expect((await fetchOnce(c, 'checked-large', 0, 0n)).highWatermark).toBe(0n);
    // One such record alone is checked and stored.
    expect((await produce(c, 'checked-large', 0, valuesBatch([large]))).errorCode).toBe(0);
  });
});

describe('a filter on the produce path', () => {
  it('stores a batch it keeps whole as it was sent, and refuses one with a bad record, storing nothing of it', async () => {
    await createTopic(c, 'checked', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter', topic: 'checked', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const good = buildRecordBatch([line('error', 1), line('error', 2)].map((v) => ({ key: null, value: enc.encode(v) })), { compression: Compression.gzip });
    expect((await produce(c, 'checked', 0, good)).errorCode).toBe(0);
    const bad = await produce(c, 'checked', 0, valuesBatch([line('error', 3), line('info', 4), line('error', 5), line('debug', 6)]));
    expect(bad.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(bad.recordErrors.map((e) => e.batchIndex)).toEqual([1, 3]);
    expect(bad.recordErrors[0]!.batchIndexErrorMessage).toBe('rejected by module json-filter (field=level, value=error)');
    expect(bad.errorMessage).toBe('2 of 4 record(s) rejected by module json-filter (field=level, value=error): record 1, 3');
    const [stored] = await storedBatches(c, 'checked');
    // Byte for byte what the producer sent, but for the base offset and leader epoch the log sets.
    expect([...stored!.subarray(8, 12), ...stored!.subarray(16)]).toEqual([...good.subarray(8, 12), ...good.subarray(16)]);
    expect((await fetchOnce(c, 'checked', 0, 0n)).highWatermark).toBe(2n);
  });

  it('tells a producer on Produce v7 INVALID_RECORD without record errors (the field arrived in v8)', async () => {
    const r = await produce(c, 'checked', 0, valuesBatch([line('info', 1)]), 7);
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(r.recordErrors).toEqual([]);
  });
});

describe('a map on the produce path', () => {
  it('rewrites records before they are written, keeping CRC, count and idempotent sequences right', async () => {
    await createTopic(c, 'mapped', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-map', topic: 'mapped', params: { upper: 'level' } })).status).toBe(201);
    const pid = await c.request(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    const opts = { producerId: pid.producerId, producerEpoch: pid.producerEpoch };
    const first = valuesBatch([line('info', 1), line('warn', 2)], { ...opts, baseSequence: 0 });
    const a = await produce(c, 'mapped', 0, first);
    expect([a.errorCode, a.baseOffset]).toEqual([0, 0n]);
    // A retry of the same batch is recognised by its sequence, not stored again.
    const retry = await produce(c, 'mapped', 0, first);
    expect([retry.errorCode, retry.baseOffset]).toEqual([0, 0n]);
    const b = await produce(c, 'mapped', 0, valuesBatch([line('error', 3)], { ...opts, baseSequence: 2 }));
    expect([b.errorCode, b.baseOffset]).toEqual([0, 2n]);
    const gap = await produce(c, 'mapped', 0, valuesBatch([line('error', 4)], { ...opts, baseSequence: 9 }));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const batches = await storedBatches(c, 'mapped');
    expect(batches.every(verifyCrc)).toBe(true);
    expect(batches.map((x) => parseBatchHeader(x)).map((h) => [h.baseOffset, h.recordCount, h.producerId, h.baseSequence])).toEqual([
      [0n, 2, pid.producerId, 0],
      [2n, 1, pid.producerId, 2],
    ]);
    expect((await fetchAll(c, 'mapped', 0)).records.map((r) => r.value)).toEqual([line('INFO', 1), line('WARN', 2), line('ERROR', 3)]);
  });

  it('stores a rewritten batch in the codec the producer sent it in', async () => {
    await createTopic(c, 'mapped-compressed', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-map', topic: 'mapped-compressed', params: { upper: 'level' } })).status).toBe(201);
    const codecs = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd, Compression.none];
    for (const [i, compression] of codecs.entries()) {
      const plain = buildRecordBatch([line('info', 2 * i), line('warn', 2 * i + 1)].map((v) => ({ key: null, value: enc.encode(v) })));
      const batch = await recompressRecordSet(plain, compression);
      expect((await produce(c, 'mapped-compressed', 0, batch)).errorCode).toBe(0);
    }
    const stored = await storedBatches(c, 'mapped-compressed');
    expect(stored.every(verifyCrc)).toBe(true);
    expect(stored.map((b) => parseBatchHeader(b).attributes & 0x07)).toEqual(codecs);
    expect((await fetchAll(c, 'mapped-compressed', 0)).records.map((r) => r.value)).toEqual(
      codecs.flatMap((_, i) => [line('INFO', 2 * i), line('WARN', 2 * i + 1)]),
    );
  });

  it("stores a rewritten batch in the topic's codec when the topic names one", async () => {
    const created = await c.request(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'mapped-zstd', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: 'zstd' }] }],
      timeoutMs: 5_000, validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(0);
    expect((await attach(t.address, { kind: 'produce', module: 'json-map', topic: 'mapped-zstd', params: { upper: 'level' } })).status).toBe(201);
    const gz = buildRecordBatch([line('info', 1), line('warn', 2)].map((v) => ({ key: null, value: enc.encode(v) })), { compression: Compression.gzip });
    expect((await produce(c, 'mapped-zstd', 0, gz)).errorCode).toBe(0);
    const stored = await storedBatches(c, 'mapped-zstd');
    expect(stored.map((b) => parseBatchHeader(b).attributes & 0x07)).toEqual([Compression.zstd]);
    expect(stored.every(verifyCrc)).toBe(true);
    expect((await fetchAll(c, 'mapped-zstd', 0)).records.map((r) => r.value)).toEqual([line('INFO', 1), line('WARN', 2)]);
  });

  it('with a filter_map refuses a batch it would drop from, and rewrites one it keeps whole', async () => {
    await createTopic(c, 'extracted', 1);
    expect((await attach(t.address, { kind: 'produce', module: 'json-filter-map', topic: 'extracted', params: { field: 'n' } })).status).toBe(201);
    expect((await produce(c, 'extracted', 0, valuesBatch([line('a', 1), '{"x":1}']))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce(c, 'extracted', 0, valuesBatch([line('a', 7), line('b', 8)]))).errorCode).toBe(0);
    expect((await fetchAll(c, 'extracted', 0)).records.map((r) => r.value)).toEqual(['7', '8']);
  });
});

describe('a produce check whose module misbehaves', () => {
  const cases: [string, number, RegExp][] = [
    ['trap', ErrorCode.INVALID_RECORD, /module trap failed on the batch: .*trap/],
    ['memory-hog', ErrorCode.INVALID_RECORD, /memory/],
    ['value-flood', ErrorCode.INVALID_RECORD, /output/],
    ['endless-loop', ErrorCode.REQUEST_TIMED_OUT, /deadline/],
    ['truncating-map', ErrorCode.INVALID_RECORD, /module truncating-map failed on the batch: .*output batch: record \d+: /],
    ['truncating-filter', ErrorCode.INVALID_RECORD, /module truncating-filter failed on the batch: .*output batch: record \d+: /],
    ['moving-map', ErrorCode.INVALID_RECORD, /module moving-map failed on the batch: .*module output: record 1 offset 1 goes back/],
  ];
  for (const [module, code, message] of cases) {
    it(`${module}: fails the batch with a clear message, stores nothing, and the broker serves other topics`, async () => {
      const topic = `guarded-${module}`;
      await createTopic(c, topic, 1);
      expect((await attach(t.address, { kind: 'produce', module, topic })).status).toBe(201);
      const values = Array.from({ length: 40 }, (_, i) => (i === 3 ? 'boom' : `v${i}`));
      const r = await produce(c, topic, 0, valuesBatch(values));
      expect(r.errorCode).toBe(code);
      expect(r.errorMessage).toMatch(message);
      expect((await fetchOnce(c, topic, 0, 0n)).highWatermark).toBe(0n);
      await createTopic(c, `${topic}-plain`, 1);
      expect((await produce(c, `${topic}-plain`, 0, valuesBatch(['ok']))).errorCode).toBe(0);
      const status = (await admin(t.address, 'GET', `/v1/attachments/produce/${topic}`)).body as { stats: { errors: Record<string, number> } };
      expect(Object.values(status.stats.errors).reduce((a, b) => a + b, 0)).toBe(1);
    });
  }
});
