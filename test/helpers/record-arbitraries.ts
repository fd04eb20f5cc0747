/** fast-check records as producers send them: null or binary keys and values, UTF-8 header keys, timestamps. */
import fc from 'fast-check';
import type { RecordInput } from '../../broker/protocol/record-batch.js';

export const recordArb: fc.Arbitrary<RecordInput & { timestampMs: bigint }> = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 30 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null }),
  headers: fc.array(
    fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 10 }), value: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }) }),
    { maxLength: 3 },
  ),
  timestampMs: fc.bigInt({ min: 0n, max: 2n ** 50n }),
});

/** A record with its bytes as plain arrays, so toEqual compares records decoded different ways. */
export const plainRecord = (r: { offset: bigint; timestampMs: bigint; key: Uint8Array | null; value: Uint8Array | null; headers: { key: string; value: Uint8Array | null }[] }) => ({
  offset: r.offset,
  timestampMs: r.timestampMs,
  key: r.key === null ? null : [...r.key],
  value: r.value === null ? null : [...r.value],
  headers: r.headers.map((h) => [h.key, h.value === null ? null : [...h.value]]),
});
