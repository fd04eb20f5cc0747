/** Recompression on produce: every header field a producer and its acknowledgements depend on stays. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { KafkaError } from '../../../broker/protocol/errors.js';
import { Compression } from '../../../broker/protocol/codecs/index.js';
import {
  buildRecordBatch,
  compressionOf,
  concatRecordSet,
  decodeRecords,
  parseRecordSet,
  verifyCrc,
  withRecordsSection,
} from '../../../broker/protocol/record-batch.js';
import { codecOfCompressionType, recompressRecordSet } from '../../../broker/protocol/recompress.js';
import { sampleRecords } from './codecs/helpers.js';

const ALL = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const;

/** An idempotent producer's batch: id, epoch and base sequence set, as kafkajs and librdkafka send them. */
function producerBatch(count: number, compression: typeof Compression.none | typeof Compression.gzip, baseSequence = 17): Uint8Array {
  return buildRecordBatch(sampleRecords(count), { compression, producerId: 42n, producerEpoch: 3, baseSequence, baseTimestamp: 1000n });
}

/** The header as a producer's acknowledgement and idempotence see it: everything but length, codec and CRC. */
function kept(batch: Uint8Array) {
  const { batchLength: _length, crc: _crc, attributes, ...rest } = parseRecordSet(batch)[0]!.header;
  return { ...rest, otherAttributes: attributes & ~7 };
}

describe('recompressRecordSet', () => {
  it.each(ALL.flatMap((to) => [Compression.none, Compression.gzip].map((from) => ({ from, to }))))(
    'turns a codec $from batch into codec $to, keeping offsets, timestamps, producer id, epoch and sequence',
    async ({ from, to }) => {
      const input = producerBatch(300, from);
      const out = await recompressRecordSet(input.slice(), to);
      const [b] = parseRecordSet(out);
      expect(parseRecordSet(out)).toHaveLength(1);
      expect(compressionOf(b!.header.attributes)).toBe(to);
      expect(verifyCrc(b!.bytes)).toBe(true);
      expect(kept(out)).toEqual(kept(input));
      expect(decodeRecords(out)).toEqual(decodeRecords(input));
      if (from === to) expect(out).toEqual(input);
    },
  );

  it('leaves a record set whose batches all have the codec as the same bytes', async () => {
    const set = concatRecordSet([producerBatch(3, Compression.gzip), producerBatch(4, Compression.gzip, 20)]);
    expect(await recompressRecordSet(set, Compression.gzip)).toBe(set);
  });

  it('recompresses each batch of a mixed record set on its own, in order', async () => {
    const batches = [producerBatch(5, Compression.none, 0), producerBatch(6, Compression.gzip, 5), producerBatch(7, Compression.none, 11)];
    const out = await recompressRecordSet(concatRecordSet(batches), Compression.zstd);
    const views = parseRecordSet(out);
    expect(views.map((v) => [compressionOf(v.header.attributes), v.header.baseSequence, v.header.recordCount])).toEqual([[4, 0, 5], [4, 5, 6], [4, 11, 7]]);
    expect(views.map((v) => decodeRecords(v.bytes))).toEqual(batches.map((b) => decodeRecords(b)));
  });

  it('keeps any records exactly, whatever the codec pair', async () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 30 }), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
      timestampMs: fc.bigInt({ min: 0n, max: 2n ** 40n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 20 }), fc.constantFrom(...ALL), fc.constantFrom(...ALL), async (records, via, to) => {
        const input = buildRecordBatch(records, { baseTimestamp: 0n });
        const mid = await recompressRecordSet(input, via);
        const out = await recompressRecordSet(mid, to);
        expect(decodeRecords(out)).toEqual(decodeRecords(input));
        expect(verifyCrc(out)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('holds at most the bound of inflated bytes at once (one batch always goes), and keeps the order', async () => {
    const batches = Array.from({ length: 6 }, (_, i) => producerBatch(400 + i, Compression.gzip, i * 1000));
    const sections = batches.map((b) => decodeRecords(b)).map((r) => r.length);
    const sizes: number[] = [];
    const sectionBytes = buildRecordBatch(sampleRecords(400)).byteLength;
    const out = await recompressRecordSet(concatRecordSet(batches), Compression.lz4, { inflatedInFlightMaxBytes: 2.5 * sectionBytes, onInFlight: (n) => sizes.push(n) });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2.5 * sectionBytes);
    // Windows of two batches: after the first, a window started over twice.
    expect(sizes.filter((n, i) => i > 0 && n < sizes[i - 1]!)).toHaveLength(2);
    expect(parseRecordSet(out).map((v) => v.header.baseSequence)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(parseRecordSet(out).map((v) => decodeRecords(v.bytes).length)).toEqual(sections);
    // A bound below one batch still recompresses, one batch at a time.
    const one: number[] = [];
    await recompressRecordSet(concatRecordSet(batches.slice(0, 3)), Compression.snappy, { inflatedInFlightMaxBytes: 10, onInFlight: (n) => one.push(n) });
    expect(one).toHaveLength(3);
    expect(one.every((n) => n < 1.5 * sectionBytes)).toBe(true);
  });

  it('refuses a batch that does not inflate with CORRUPT_MESSAGE', async () => {
    const plain = buildRecordBatch(sampleRecords(3));
    const garbage = withRecordsSection(plain, Compression.gzip, new Uint8Array([1, 2, 3, 4, 5]));
    const err = await recompressRecordSet(garbage, Compression.lz4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('maps compression.type to a codec; producer means as sent', () => {
    expect(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].map(codecOfCompressionType)).toEqual([null, 0, 1, 2, 3, 4]);
    expect(() => codecOfCompressionType('brotli')).toThrow(RangeError);
  });
});
