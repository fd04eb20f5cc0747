import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CorruptSegmentError, decodeSegment, encodeSegment, parseSegmentKey, segmentKey, type ChunkInput } from '../../../broker/log/segment.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const chunkInput: fc.Arbitrary<ChunkInput> = fc.record({
  topic: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
  partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  first: int64,
  last: int64,
  maxTimestamp: int64,
  batches: fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }),
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
    const { bytes } = encodeSegment('k', 3, [{ topic: 't', partition: 1, first: 0n, last: 4n, maxTimestamp: 9n, batches: [new Uint8Array(30).fill(7)] }]);
    fc.assert(
      fc.property(fc.nat({ max: bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const copy = bytes.slice();
        copy[pos]! ^= xor;
        expect(() => decodeSegment('k', copy)).toThrow(CorruptSegmentError);
      }),
      { numRuns: 500 },
    );
  });

  test('segment keys sort by age and parse back', () => {
    expect(segmentKey(2, 10) > segmentKey(2, 9)).toBe(true);
    expect(segmentKey(10, 0) > segmentKey(9, 999)).toBe(true);
    expect(parseSegmentKey(segmentKey(12, 345))).toEqual({ epoch: 12, counter: 345 });
    expect(parseSegmentKey('segments/x.seg')).toBeNull();
  });
});
