import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { recordArb } from '../../helpers/record-arbitraries.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { KafkaError } from '../../../broker/protocol/errors.js';
import {
  Compression,
  RECORD_BATCH_HEADER_BYTES,
  buildRecordBatch,
  compressionOf,
  concatRecordSet,
  decodeRecords,
  iterateBatches,
  parseBatchHeader,
  parseRecordSet,
  setBaseOffset,
  setPartitionLeaderEpoch,
  verifyCrc,
} from '../../../broker/protocol/record-batch.js';
import { Writer } from '../../../broker/protocol/writer.js';
import { mutationsOf } from './codecs/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
  return undefined;
}

describe('RecordBatch v2', () => {
  it('build -> parse -> verify CRC -> decode is identity (none and gzip)', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(Compression.none, Compression.gzip),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        (records, compression, baseOffset) => {
          const batch = buildRecordBatch(records, { compression, baseOffset, producerId: 7n, producerEpoch: 1, baseSequence: 5 });
          expect(verifyCrc(batch)).toBe(true);
          const [view] = parseRecordSet(batch);
          const h = view!.header;
          expect(view!.bytes.byteLength).toBe(batch.byteLength);
          expect(h).toMatchObject({
            baseOffset,
            magic: 2,
            recordCount: records.length,
            lastOffsetDelta: records.length - 1,
            producerId: 7n,
            producerEpoch: 1,
            baseSequence: 5,
            baseTimestamp: records[0]!.timestampMs,
          });
          expect(compressionOf(h.attributes)).toBe(compression);
          expect(h.maxTimestamp).toBe(records.reduce((m, r) => (r.timestampMs > m ? r.timestampMs : m), records[0]!.timestampMs));
          const decoded = decodeRecords(batch);
          expect(decoded).toEqual(
            records.map((r, i) => ({
              offset: baseOffset + BigInt(i),
              timestampMs: r.timestampMs,
              key: r.key,
              value: r.value,
              headers: r.headers,
            })),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('any single corrupted byte under the CRC fails verification', () => {
    const batch = buildRecordBatch([
      { key: enc('k'), value: enc('some value'), headers: [{ key: 'h', value: enc('v') }], timestampMs: 1n },
      { key: null, value: enc('x'), timestampMs: 2n },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 21, max: batch.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = batch.slice();
        copy[at]! ^= xor;
        expect(verifyCrc(copy)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('rewrites baseOffset and leader epoch in place without breaking the CRC', () => {
    const batch = buildRecordBatch([{ key: null, value: enc('a') }, { key: null, value: enc('b') }], { baseTimestamp: 1000n });
    setBaseOffset(batch, 4242n);
    setPartitionLeaderEpoch(batch, 9);
    expect(verifyCrc(batch)).toBe(true);
    expect(parseBatchHeader(batch)).toMatchObject({ baseOffset: 4242n, partitionLeaderEpoch: 9 });
    expect(decodeRecords(batch).map((r) => r.offset)).toEqual([4242n, 4243n]);
  });

  it('iterates several batches and handles a truncated tail as told', () => {
    const a = buildRecordBatch([{ key: null, value: enc('one') }], { baseOffset: 0n });
    const b = buildRecordBatch([{ key: null, value: enc('two') }, { key: null, value: enc('three') }], { baseOffset: 1n });
    const set = concatRecordSet([a, b]);
    expect([...iterateBatches(set)].map((v) => [v.position, v.header.baseOffset, v.header.recordCount])).toEqual([
      [0, 0n, 1],
      [a.byteLength, 1n, 2],
    ]);
    // views, not copies
    expect([...iterateBatches(set)][1]!.bytes.buffer).toBe(set.buffer);
    for (const cut of [a.byteLength + 10, a.byteLength + RECORD_BATCH_HEADER_BYTES + 2, set.byteLength - 1]) {
      const truncated = set.subarray(0, cut);
      expect(codeOf(() => [...iterateBatches(truncated)])).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect([...iterateBatches(truncated, { truncated: 'stop' })]).toHaveLength(1);
    }
  });

  it('refuses old message formats and garbage magic', () => {
    const batch = buildRecordBatch([{ key: null, value: enc('v') }]);
    for (const [magic, code] of [
      [0, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT],
      [1, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT],
      [3, ErrorCode.CORRUPT_MESSAGE],
      [0xff, ErrorCode.CORRUPT_MESSAGE],
    ] as const) {
      const copy = batch.slice();
      copy[16] = magic;
      expect(codeOf(() => parseBatchHeader(copy))).toBe(code);
      expect(codeOf(() => [...iterateBatches(copy)])).toBe(code);
    }
    // A magic-1 message set shorter than a v2 header still reports the format, not just "truncated".
    const v1 = new Writer().int64(0n).int32(20).uint32(0).int8(1).int8(0).int64(0n).int32(-1).int32(2).toUint8Array();
    expect(codeOf(() => [...iterateBatches(v1)])).toBe(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
  });

  it('refuses a batch length below the header size', () => {
    const batch = buildRecordBatch([{ key: null, value: enc('v') }]);
    new DataView(batch.buffer, batch.byteOffset).setInt32(8, 10);
    expect(codeOf(() => [...iterateBatches(batch)])).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('a lying record count allocates nothing and is CORRUPT_MESSAGE', () => {
    const batch = buildRecordBatch([{ key: null, value: enc('v') }]);
    new DataView(batch.buffer, batch.byteOffset).setInt32(57, 0x7fffffff);
    expect(codeOf(() => decodeRecords(batch))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('names a codec id Kafka does not have', () => {
    const batch = buildRecordBatch([{ key: null, value: enc('v') }]);
    const view = new DataView(batch.buffer, batch.byteOffset);
    view.setInt16(21, 5);
    let err: unknown;
    try {
      decodeRecords(batch);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((err as KafkaError).message).toMatch(/codec 5/);
  });

  it('a batch that claims a codec its records are not compressed with is CORRUPT_MESSAGE', () => {
    for (const codec of [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
      const batch = buildRecordBatch([{ key: null, value: enc('v') }]);
      new DataView(batch.buffer, batch.byteOffset).setInt16(21, codec);
      expect(codeOf(() => decodeRecords(batch))).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
  });

  it('stops a gzip bomb at its inflation bound', () => {
    // 3 concatenated gzip members of 1 MiB of zeros: ~3 KiB on the wire, 3 MiB inflated, bound 2 MiB.
    const member = gzipSync(new Uint8Array(1024 * 1024));
    const bomb = concatRecordSet(new Array<Uint8Array>(3).fill(member));
    const bound = { decompressedMaxBytes: 2 * 1024 * 1024 };
    const w = new Writer();
    w.int64(0n).int32(RECORD_BATCH_HEADER_BYTES - 12 + bomb.byteLength).int32(-1).int8(2).uint32(0).int16(Compression.gzip);
    w.int32(0).int64(0n).int64(0n).int64(-1n).int16(-1).int32(-1).int32(1).raw(bomb);
    expect(codeOf(() => decodeRecords(w.toUint8Array(), bound))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(() => decodeRecords(w.toUint8Array(), bound)).toThrow(/gzip records inflate to more than 2097152 bytes, past the 2097152-byte bound/);
    // The same bytes under a bound they fit are inflated (and then fail as records, not as a bomb).
    expect(() => decodeRecords(w.toUint8Array(), { decompressedMaxBytes: 4 * 1024 * 1024 })).toThrow(/malformed record|exceeds/);
  });

  it('uses maxTimestamp for every record of a LogAppendTime batch', () => {
    const batch = buildRecordBatch(
      [
        { key: null, value: enc('a'), timestampMs: 10n },
        { key: null, value: enc('b'), timestampMs: 30n },
      ],
      { logAppendTime: true },
    );
    expect(decodeRecords(batch).map((r) => r.timestampMs)).toEqual([30n, 30n]);
  });

  it('random and mutated record sets only ever raise KafkaError', () => {
    const valid = concatRecordSet([
      buildRecordBatch([{ key: enc('k'), value: enc('value'), headers: [{ key: 'h', value: null }] }], { baseTimestamp: 5n }),
      buildRecordBatch([{ key: null, value: enc('v2') }], { compression: Compression.gzip, baseTimestamp: 6n }),
    ]);
    const mutated = mutationsOf(valid);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        try {
          for (const view of iterateBatches(bytes)) decodeRecords(view.bytes);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('kafkajs encoder interop', () => {
  it('decodes a batch built by kafkajs own RecordBatch encoder', async () => {
    // kafkajs ships CommonJS without types for its internals.
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (o: object) => Promise<{ buffer: Buffer }> };
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (o: object) => unknown;
    const encoded = await RecordBatch({
      firstTimestamp: 1700000000000,
      maxTimestamp: 1700000000007,
      lastOffsetDelta: 1,
      records: [
        Record({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('alpha'), headers: { x: Buffer.from('1') } }),
        Record({ offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from('beta'), headers: {} }),
      ],
    });
    const batch = new Uint8Array(encoded.buffer);
    expect(verifyCrc(batch)).toBe(true);
    const recs = decodeRecords(batch);
    expect(recs.map((r) => [r.offset, r.timestampMs, r.key && Buffer.from(r.key).toString(), Buffer.from(r.value!).toString()])).toEqual([
      [0n, 1700000000000n, 'a', 'alpha'],
      [1n, 1700000000007n, null, 'beta'],
    ]);
    expect(recs[0]!.headers).toEqual([{ key: 'x', value: enc('1') }]);
  });
});
