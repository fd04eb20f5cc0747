import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptSegmentError, decodeSegment, encodeSegment, parseSegmentKey, segmentKey, type ChunkInput } from '../../../broker/log/segment.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
/** A real RecordBatch v2 (segments hold nothing else): random values, base offset and timestamp. */
const recordBatch: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.array(fc.uint8Array({ maxLength: 48 }), { minLength: 1, maxLength: 3 }), fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.bigInt({ min: 0n, max: 2n ** 42n }))
  .map(([values, baseOffset, ts]) => {
    const b = buildRecordBatch(values.map((value) => ({ key: null, value })), { baseTimestamp: ts });
    new DataView(b.buffer, b.byteOffset, b.byteLength).setBigInt64(0, baseOffset); // the log rewrites it; the batch CRC does not cover it
    return b;
  });
const chunkInput: fc.Arbitrary<ChunkInput> = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
  partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  first: int64,
  last: int64,
  maxTimestamp: int64,
  batches: fc.array(recordBatch, { maxLength: 4 }),
});

describe('segment codec', () => {
  test('encode then decode gives back every chunk, and each range holds its batches', () => {
    fc.assert(
      fc.property(fc.array(chunkInput, { maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (inputs, epoch) => {
        const key = segmentKey(epoch, 7);
        const { bytes, chunks } = encodeSegment(key, epoch, inputs);
        const decoded = decodeSegment(key, bytes);
        expect(decoded.epoch).toBe(epoch);
        expect(decoded.chunks).toEqual(chunks);
        chunks.forEach((c, i) => {
          const inp = inputs[i]!;
          expect(c).toMatchObject({ topic: inp.topic, partition: inp.partition, first: inp.first, last: inp.last, maxTimestamp: inp.maxTimestamp });
          const want = Buffer.concat(inp.batches);
          expect(Buffer.from(bytes.subarray(c.start, c.end)).equals(want)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes and single-byte corruptions never crash the decoder, only CorruptSegmentError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeSegment('k', bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CorruptSegmentError);
        }
      }),
      { numRuns: 2000 },
    );
    const enc = new TextEncoder();
    const batches = [buildRecordBatch([{ key: null, value: enc.encode('a') }]), buildRecordBatch([{ key: enc.encode('k'), value: enc.encode('bc') }])];
    const { bytes } = encodeSegment('k', 3, [{ topic: 't', partition: 1, first: 0n, last: 1n, maxTimestamp: 9n, batches }]);
    // Every byte is covered: the header, each batch's first 21 bytes and the index by the
    // segment's CRC, the rest of each batch by its own.
    fc.assert(
      fc.property(fc.nat({ max: bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const copy = bytes.slice();
        copy[pos]! ^= xor;
        expect(() => decodeSegment('k', copy)).toThrow(CorruptSegmentError);
      }),
      { numRuns: 500 },
    );
  });

  test('a version 1 segment (CRC over every byte) still decodes, and a corrupted one is refused', () => {
    // Written by the version 1 encoder: topic t, partition 0, offsets 0..2 in two batches.
    const v1 = Buffer.from(
      'U0xTRwABAAAAAAABAAAAAQAAAAAAAAAAAAAAQf////8C3VkSkgAAAAAAAQAAAYvP5WgAAAABi8/laAD//////////////////wAAAAIOAAAAAQJhAA4AAAIBAmIAAAAAAAAAAAIAAAA5/////wLO56DcAAAAAAAAAAABi8/laAEAAAGLz+VoAf//////////////////AAAAAQ4AAAABAmMAAAF0AAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAQAAAAogAAAYvP5WgBAAAAoqyLqBJTTFNF',
      'base64',
    );
    const key = 'segments/0000000001-000000000001.seg';
    expect(decodeSegment(key, v1)).toEqual({
      epoch: 1,
      chunks: [{ segment: key, topic: 't', partition: 0, first: 0n, last: 2n, start: 16, end: 162, maxTimestamp: 1700000000001n }],
    });
    const corrupt = Uint8Array.from(v1);
    corrupt[20]! ^= 1; // a base offset: only the version 1 CRC covers it there
    expect(() => decodeSegment(key, corrupt)).toThrow(CorruptSegmentError);
  });

  test('encode refuses what cannot be a record batch', () => {
    expect(() => encodeSegment('k', 1, [{ topic: 't', partition: 0, first: 0n, last: 0n, maxTimestamp: 0n, batches: [new Uint8Array(20)] }])).toThrow(RangeError);
  });

  test('segment keys sort by age and parse back', () => {
    expect(segmentKey(2, 10) > segmentKey(2, 9)).toBe(true);
    expect(segmentKey(10, 0) > segmentKey(9, 999)).toBe(true);
    expect(parseSegmentKey(segmentKey(12, 345))).toEqual({ epoch: 12, counter: 345 });
    expect(parseSegmentKey('segments/x.seg')).toBeNull();
  });
});
