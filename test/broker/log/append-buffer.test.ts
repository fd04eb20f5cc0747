// The append buffer: a flush takes at most one flush worth of it, in order; the rest waits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_FLUSH_MAX_OPS_COUNT } from '../../../broker/constants.js';
import { AppendBuffer, type PendingAppend, type PendingOps } from '../../../broker/log/append-buffer.js';

const noop = (): void => undefined;
let next = 0;
function append(bytes: number, idempotent = false): PendingAppend {
  const n = next++;
  return {
    topic: 't', topicId: 'id', partition: 0, bytes: new Uint8Array(bytes), batches: [], first: BigInt(n), last: BigInt(n), maxTimestamp: 0n,
    producer: idempotent ? { producerId: 1n, producerEpoch: 0, key: 'k', batch: { firstSeq: 0, lastSeq: 0, baseOffset: 0n, lastOffset: 0n } } : undefined,
    resolve: noop, reject: noop,
  };
}
function ops(count: number): PendingOps {
  return { ops: Array.from({ length: count }, () => ({ op: 'producerIds' as const, next: 1n })), resolve: noop, reject: noop };
}

describe('AppendBuffer', () => {
  it('is due by bytes, by operations, by time, or when forced', async () => {
    const b = new AppendBuffer(100, 60_000);
    expect(b.isEmpty).toBe(true);
    b.addAppend(append(50));
    expect(b.isDue(false)).toBe(false);
    expect(b.isDue(true)).toBe(true);
    b.addAppend(append(50));
    expect(b.isDue(false)).toBe(true);
    const byOps = new AppendBuffer(1 << 30, 60_000);
    byOps.addOps(ops(LOG_FLUSH_MAX_OPS_COUNT));
    expect(byOps.isDue(false)).toBe(true);
    const byTime = new AppendBuffer(1 << 30, 5);
    byTime.addAppend(append(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(byTime.isDue(false)).toBe(true);
    expect(byTime.msUntilDue()).toBe(0);
  });

  it('hands a flush at most one flush worth, in order, and keeps the rest in order', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ bytes: fc.integer({ min: 1, max: 400 }), idem: fc.boolean() }), fc.integer({ min: 1, max: 3000 })), { maxLength: 60 }), (items) => {
        const maxBytes = 1000;
        const b = new AppendBuffer(maxBytes, 60_000);
        const appends: PendingAppend[] = [];
        const metas: PendingOps[] = [];
        for (const it of items) {
          if (typeof it === 'number') {
            const m = ops(it);
            metas.push(m);
            b.addOps(m);
          } else {
            const a = append(it.bytes, it.idem);
            appends.push(a);
            b.addAppend(a);
          }
        }
        const takenAppends: PendingAppend[] = [];
        const takenMetas: PendingOps[] = [];
        for (let flushes = 0; !b.isEmpty; flushes++) {
          expect(flushes).toBeLessThan(200);
          const w = b.take();
          expect(w.appends.length + w.metas.length).toBeGreaterThan(0);
          // Within the bounds, unless one item alone exceeds them.
          if (w.appends.length + w.metas.length > 1) {
            expect(w.bytes).toBeLessThanOrEqual(maxBytes);
            expect(w.opCount).toBeLessThanOrEqual(LOG_FLUSH_MAX_OPS_COUNT);
          }
          expect(w.bytes).toBe(w.appends.reduce((s, a) => s + a.bytes.byteLength, 0));
          takenAppends.push(...w.appends);
          takenMetas.push(...w.metas);
        }
        expect(takenAppends).toEqual(appends);
        expect(takenMetas).toEqual(metas);
      }),
      { numRuns: 200 },
    );
  });

  it('wakes the appends waiting for space', async () => {
    const b = new AppendBuffer(100, 60_000);
    let woken = 0;
    const waits = [b.waitForSpace().then(() => woken++), b.waitForSpace().then(() => woken++)];
    b.wakeSpaceWaiters();
    await Promise.all(waits);
    expect(woken).toBe(2);
  });
});
