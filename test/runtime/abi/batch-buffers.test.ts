// BatchBuffers: a pipeline's batch buffers, recycled from batch to batch within named bounds
// (BATCH_BUFFERS_KEPT_MAX buffers, BATCH_BUFFERS_KEPT_MAX_BYTES bytes); what it must never keep
// (detached, shared, foreign-sized buffers) and what encodeBatch writes into a recycled one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';
import { BatchBuffers } from '../../../runtime/abi/batch-buffers.js';
import { BATCH_BUFFER_MIN_BYTES, BATCH_BUFFERS_KEPT_MAX, BATCH_BUFFERS_KEPT_MAX_BYTES } from '../../../runtime/constants.js';

const enc = new TextEncoder();
const rec = (i: number, value: string): HostRecord => ({ offset: BigInt(i), timestampMs: 1000n + BigInt(i), key: null, value: enc.encode(value), headers: [] });

describe('BatchBuffers', () => {
  it('hands out a view of exactly the size asked, at the start of a buffer rounded up to a power of two', () => {
    const buffers = new BatchBuffers();
    const small = buffers.take(10);
    expect(small.length).toBe(10);
    expect(small.byteOffset).toBe(0);
    expect(small.buffer.byteLength).toBe(BATCH_BUFFER_MIN_BYTES);
    const big = buffers.take(300_000);
    expect(big.length).toBe(300_000);
    expect(big.buffer.byteLength).toBe(2 ** 19);
    expect(buffers.take(2 ** 19).buffer.byteLength).toBe(2 ** 19);
    expect(() => buffers.take(-1)).toThrow(RangeError);
    expect(() => buffers.take(1.5)).toThrow(/not a byte count/);
  });

  it('gives a buffer back for the next batch that fits, the smallest that fits', () => {
    const buffers = new BatchBuffers();
    const a = buffers.take(100_000); // 128 KiB
    const b = buffers.take(600_000); // 1 MiB
    buffers.give(b);
    buffers.give(a);
    expect(buffers.free).toEqual({ buffers: 2, bytes: 2 ** 17 + 2 ** 20 });
    const next = buffers.take(90_000);
    expect(next.buffer).toBe(a.buffer);
    expect(next.length).toBe(90_000);
    const larger = buffers.take(200_000);
    expect(larger.buffer).toBe(b.buffer);
    // None fits now: a new one.
    const fresh = buffers.take(10);
    expect(fresh.buffer).not.toBe(a.buffer);
    expect(buffers.stats()).toEqual({ taken: 5, reused: 2, kept: 2, dropped: 0 });
    // copyOf: the bytes, in a buffer taken the same way.
    buffers.give(next);
    const copy = buffers.copyOf(new Uint8Array([1, 2, 3]));
    expect([...copy]).toEqual([1, 2, 3]);
    expect(copy.buffer).toBe(a.buffer);
  });

  it('keeps a buffer received through a transfer, and never a detached, shared or doubly given one', () => {
    const buffers = new BatchBuffers();
    const input = buffers.take(1000);
    const moved = structuredClone(input.buffer, { transfer: [input.buffer] });
    expect(input.byteLength, 'detached').toBe(0);
    buffers.give(input);
    expect(buffers.free.buffers).toBe(0);
    const back = new Uint8Array(moved, 0, 10);
    buffers.give(back);
    buffers.give(back);
    expect(buffers.free.buffers).toBe(1);
    buffers.give(new Uint8Array(new SharedArrayBuffer(64)));
    expect(buffers.free.buffers).toBe(1);
    expect(buffers.take(1000).buffer).toBe(moved);
    expect(buffers.stats().dropped).toBe(3);
  });

  it(`keeps at most BATCH_BUFFERS_KEPT_MAX (${BATCH_BUFFERS_KEPT_MAX}) buffers: past it the oldest go`, () => {
    const buffers = new BatchBuffers();
    const all = Array.from({ length: BATCH_BUFFERS_KEPT_MAX + 2 }, () => buffers.take(100));
    for (const b of all) buffers.give(b);
    expect(buffers.free.buffers).toBe(BATCH_BUFFERS_KEPT_MAX);
    expect(buffers.stats().dropped).toBe(2);
    const kept = new Set(Array.from({ length: BATCH_BUFFERS_KEPT_MAX }, () => buffers.take(100).buffer));
    expect(kept.has(all[0]!.buffer) || kept.has(all[1]!.buffer), 'the two oldest were dropped').toBe(false);
    expect(kept.has(all.at(-1)!.buffer)).toBe(true);
  });

  it(`keeps at most BATCH_BUFFERS_KEPT_MAX_BYTES (${BATCH_BUFFERS_KEPT_MAX_BYTES}) bytes, and no buffer larger than that`, () => {
    const buffers = new BatchBuffers();
    const half = BATCH_BUFFERS_KEPT_MAX_BYTES / 2;
    const [a, b, c] = [buffers.take(half), buffers.take(half), buffers.take(half)];
    buffers.give(a);
    buffers.give(b);
    expect(buffers.free.bytes).toBe(BATCH_BUFFERS_KEPT_MAX_BYTES);
    buffers.give(c); // one over the bound: the oldest goes
    expect(buffers.free).toEqual({ buffers: 2, bytes: BATCH_BUFFERS_KEPT_MAX_BYTES });
    expect(buffers.take(half).buffer).not.toBe(a.buffer);
    const huge = new Uint8Array(BATCH_BUFFERS_KEPT_MAX_BYTES + 1);
    buffers.give(huge);
    expect(buffers.free.buffers).toBe(1);
    // Smaller bounds for one pipeline.
    const tight = new BatchBuffers({ keptMax: 1, keptMaxBytes: 8192 });
    tight.give(tight.take(5000));
    tight.give(tight.take(5000 + 8192));
    expect(tight.free).toEqual({ buffers: 1, bytes: 8192 });
  });

  it('encodeBatch into a recycled buffer holding an older, longer batch gives the same bytes as a fresh one', () => {
    const buffers = new BatchBuffers();
    const recordArb = fc.array(fc.string({ maxLength: 200 }), { maxLength: 40 }).map((vs) => vs.map((v, i) => rec(i, v)));
    fc.assert(
      fc.property(recordArb, recordArb, (older, batch) => {
        buffers.give(encodeBatch(older, buffers)); // leaves its bytes behind in the buffer
        const recycled = encodeBatch(batch, buffers);
        expect(Buffer.from(recycled).equals(Buffer.from(encodeBatch(batch)))).toBe(true);
        expect(decodeBatch(recycled)).toEqual(batch);
        buffers.give(recycled);
      }),
      { numRuns: 200 },
    );
    expect(buffers.stats().reused).toBeGreaterThan(100);
  });
});
