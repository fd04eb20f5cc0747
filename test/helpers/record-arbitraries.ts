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
