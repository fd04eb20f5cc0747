// The batches the record path makes itself to tell a client that offsets hold no record.
import { describe, expect, it } from 'vitest';
import { decodeRecords, isControlBatch, parseBatchHeader, verifyCrc } from '../../../broker/protocol/record-batch.js';
import { controlSpanBatch, emptySpanBatch, placeholderBatch } from '../../../broker/smartmodules/kafka-batches.js';

describe('gap batches', () => {
  it('a control span batch holds one COMMIT marker at its last offset', () => {
    const b = controlSpanBatch(10n, 99n, 123n);
    const h = parseBatchHeader(b);
    expect(verifyCrc(b)).toBe(true);
    expect(isControlBatch(h.attributes)).toBe(true);
    expect([h.baseOffset, h.lastOffsetDelta, h.recordCount]).toEqual([10n, 89, 1]);
    const [marker] = decodeRecords(b);
    expect(marker!.offset).toBe(99n);
    expect([...marker!.key!]).toEqual([0, 0, 0, 1]);
  });

  it('an empty span batch spans its offsets with no record; a placeholder holds one empty record', () => {
    const e = emptySpanBatch(3n, 8n, 0n);
    expect(verifyCrc(e)).toBe(true);
    expect(parseBatchHeader(e)).toMatchObject({ baseOffset: 3n, lastOffsetDelta: 5, recordCount: 0 });
    expect(decodeRecords(e)).toEqual([]);
    const p = placeholderBatch(41n, 0n);
    expect(verifyCrc(p)).toBe(true);
    expect(decodeRecords(p).map((r) => [r.offset, r.key, r.value])).toEqual([[41n, null, null]]);
  });
});
