import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plainRecord, recordArb } from '../../helpers/record-arbitraries.js';
import { AbiBatchBuilder, KafkaRecordCursor } from '../../../broker/smartmodules/abi-kafka.js';
import { abiToRecordBatch } from '../../../broker/smartmodules/abi-to-kafka.js';
import { controlSpanBatch, emptySpanBatch } from '../../../broker/smartmodules/kafka-batches.js';
import {
  Compression, buildRecordBatch, decodeRecords, parseBatchHeader, verifyCrc,
} from '../../../broker/protocol/record-batch.js';
import { KafkaError, ProtocolError } from '../../../broker/protocol/errors.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { BatchBuffers, decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/index.js';
import { INPUT_BATCH_MAX_BYTES } from '../../../runtime/constants.js';

/** Kafka batches of random records at consecutive offsets from `base`. */
const batchesArb = fc
  .tuple(
    fc.array(fc.array(recordArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }),
    fc.constantFrom(Compression.none, Compression.gzip),
    fc.bigInt({ min: 0n, max: 2n ** 40n }),
  )
  .map(([groups, compression, base]) => {
    let offset = base;
    const batches = groups.map((records) => {
      const b = buildRecordBatch(records, { compression, baseOffset: offset });
      offset += BigInt(records.length);
      return b;
    });
    return { batches, base, end: offset };
  });

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const plain = plainRecord;

describe('Kafka batches to an ABI batch', () => {
  it('carries every record from the start offset on, as decodeRecords sees them, split across calls at any size', () => {
    fc.assert(
      fc.property(batchesArb, fc.integer({ min: 1, max: 20 }), fc.nat(), ({ batches, base, end }, perCall, skip) => {
        const from = base + BigInt(skip) % (end - base);
        const expected = batches.flatMap((b) => decodeRecords(b)).filter((r) => r.offset >= from).map(plain);
        const cursor = new KafkaRecordCursor(batches, from);
        const got: ReturnType<typeof plain>[] = [];
        for (;;) {
          const builder = new AbiBatchBuilder(new BatchBuffers(), 16);
          cursor.fill(builder, perCall, Number.MAX_SAFE_INTEGER);
          if (builder.count === 0) break;
          expect(builder.count).toBeLessThanOrEqual(perCall);
          const records = decodeBatch(builder.finish());
          expect([builder.firstOffset, builder.lastOffset]).toEqual([records[0]!.offset, records[records.length - 1]!.offset]);
          got.push(...records.map(plain));
        }
        expect(got).toEqual(expected);
        expect(cursor.nextOffset).toBe(end);
      }),
      { numRuns: 150 },
    );
  });

  it('copies keys, values and headers of every length byte for byte, short spans word by word and long ones whole', () => {
    const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const records = Array.from({ length: 300 }, (_, n) => ({ key: bytes(n % 7, n), value: bytes(n, n + 1), headers: [{ key: 'h', value: bytes((n * 3) % 140, n + 2) }] }));
    const batch = buildRecordBatch(records, { baseOffset: 0n });
    const builder = new AbiBatchBuilder(new BatchBuffers(), 16);
    new KafkaRecordCursor([batch], 0n).fill(builder, 1000, 1 << 24);
    expect(decodeBatch(builder.finish()).map(plain)).toEqual(decodeRecords(batch).map(plain));
  });

  it('takes a record of more than a quarter of INPUT_BATCH_MAX_BYTES, and refuses one past it with a RangeError', () => {
    const huge = new Uint8Array((INPUT_BATCH_MAX_BYTES >> 2) + 1024).fill(9);
    const batch = buildRecordBatch([{ key: enc('k'), value: enc('small') }, { key: null, value: huge, headers: [{ key: 'h', value: enc('v') }] }], { baseOffset: 0n });
    const builder = new AbiBatchBuilder(new BatchBuffers());
    new KafkaRecordCursor([batch], 0n).fill(builder, 10, INPUT_BATCH_MAX_BYTES);
    const got = decodeBatch(builder.finish());
    expect(got.map((r) => r.value?.length)).toEqual([5, huge.length]);
    expect(got[1]!.headers).toEqual([{ key: 'h', value: enc('v') }]);
    const tooBig = buildRecordBatch([{ key: null, value: new Uint8Array(INPUT_BATCH_MAX_BYTES) }], { baseOffset: 0n });
    expect(() => new KafkaRecordCursor([tooBig], 0n).fill(new AbiBatchBuilder(new BatchBuffers()), 10, INPUT_BATCH_MAX_BYTES)).toThrow(RangeError);
  });

  it('passes over control batches and empty batches, moving past their offsets', () => {
    const data = buildRecordBatch([{ key: null, value: new Uint8Array([1]) }], { baseOffset: 0n });
    const marker = controlSpanBatch(1n, 4n, 0n);
    const empty = emptySpanBatch(5n, 9n, 0n);
    const cursor = new KafkaRecordCursor([data, marker, empty], 0n);
    const builder = new AbiBatchBuilder();
    cursor.fill(builder, 100, 1 << 20);
    expect(decodeBatch(builder.finish()).map((r) => r.offset)).toEqual([0n]);
    expect(cursor.nextOffset).toBe(10n);
  });

  it('stops at the byte bound of one call and resumes where it stopped', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ key: null, value: new Uint8Array(100).fill(i) }));
    const cursor = new KafkaRecordCursor([buildRecordBatch(records, { baseOffset: 100n })], 100n);
    const first = new AbiBatchBuilder();
    cursor.fill(first, 1000, 1000);
    expect(first.count).toBeGreaterThan(0);
    expect(first.count).toBeLessThan(50);
    const second = new AbiBatchBuilder();
    cursor.fill(second, 1000, 1 << 20);
    expect(first.count + second.count).toBe(50);
    expect(second.firstOffset).toBe(first.lastOffset + 1n);
  });

  it('turns any corruption of the records into CORRUPT_MESSAGE or a well-formed ABI batch, never another error', () => {
    const records = Array.from({ length: 20 }, (_, i) => ({ key: i % 3 === 0 ? null : enc(`k${i}`), value: enc(`value ${i}`.repeat(i % 5)), headers: i % 4 === 0 ? [{ key: 'h', value: enc('v') }] : [] }));
    const valid = buildRecordBatch(records, { baseOffset: 10n });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 61, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (flips) => {
        const batch = valid.slice();
        for (const [at, byte] of flips) batch[at] = byte;
        const builder = new AbiBatchBuilder(undefined, 16);
        try {
          new KafkaRecordCursor([batch], 0n).fill(builder, 1000, 1 << 20);
        } catch (err) {
          expect(err).toBeInstanceOf(KafkaError);
          expect((err as KafkaError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
          return;
        }
        expect(decodeBatch(builder.finish())).toHaveLength(builder.count);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a batch whose records lie about their lengths as CORRUPT_MESSAGE, allocating nothing big', () => {
    const batch = buildRecordBatch([{ key: null, value: new Uint8Array(10) }], { baseOffset: 0n });
    // The first record's length varint sits right after the 61-byte header: claim far more than is there.
    batch[61] = 0x7e;
    expect(() => new KafkaRecordCursor([batch], 0n).fill(new AbiBatchBuilder(), 10, 1 << 20)).toThrow(/length|exceeds/);
  });
});

describe('an ABI batch to a Kafka batch', () => {
  it('keeps every record at its source offset, with a valid CRC, spanning what it is told to', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 30 }), fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.array(fc.nat(5), { minLength: 30, maxLength: 30 }), (records, base, gaps) => {
        let offset = base;
        const host: HostRecord[] = records.map((r, i) => {
          offset += BigInt(gaps[i]!);
          return { offset: offset++, timestampMs: r.timestampMs, key: r.key, value: r.value, headers: [...(r.headers ?? [])] };
        });
        const spanLast = offset + 7n;
        const out = abiToRecordBatch(encodeBatch(host), { baseOffset: base, lastOffset: spanLast });
        expect(out.count).toBe(host.length);
        expect(verifyCrc(out.batch!)).toBe(true);
        const h = parseBatchHeader(out.batch!);
        expect([h.baseOffset, h.baseOffset + BigInt(h.lastOffsetDelta), h.recordCount]).toEqual([base, spanLast, host.length]);
        expect(decodeRecords(out.batch!).map(plain)).toEqual(host.map(plain));
        expect(out.offsets).toEqual(host.map((r) => r.offset));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the producer fields a produce check must not change', () => {
    const abi = encodeBatch([{ offset: 0n, timestampMs: 5n, key: null, value: new Uint8Array([1]), headers: [] }]);
    const out = abiToRecordBatch(abi, { baseOffset: 0n, lastOffset: 0n, producerId: 42n, producerEpoch: 3, baseSequence: 17, transactional: true });
    expect(parseBatchHeader(out.batch!)).toMatchObject({ producerId: 42n, producerEpoch: 3, baseSequence: 17, attributes: 0x10 });
  });

  it('gives no batch for an empty output', () => {
    expect(abiToRecordBatch(encodeBatch([]))).toMatchObject({ batch: null, count: 0 });
  });

  it('refuses malformed module output with a ProtocolError and never over-allocates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          abiToRecordBatch(junk);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
    const lying = new Uint8Array(8);
    new DataView(lying.buffer).setUint32(0, 1_000_000, true);
    expect(() => abiToRecordBatch(lying)).toThrow(ProtocolError);
    const backwards = encodeBatch([
      { offset: 5n, timestampMs: 0n, key: null, value: null, headers: [] },
      { offset: 4n, timestampMs: 0n, key: null, value: null, headers: [] },
    ]);
    expect(() => abiToRecordBatch(backwards)).toThrow(/goes back/);
  });
});
