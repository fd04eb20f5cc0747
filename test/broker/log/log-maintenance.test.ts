/** Retention, compaction, checkpoints and garbage collection of the log on the bucket. */
import { afterEach, expect, test } from 'vitest';
import { Log, OffsetOutOfRangeError } from '../../../broker/log/index.js';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import type { ObjectStore } from '../../../broker/storage/object-store.js';
import { batchOf, logsOnTempStore, recordsOf } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  return logsOnTempStore('log-maint', cleanups);
}

const keys = async (store: ObjectStore, prefix: string) => (await store.list(prefix)).map((o) => o.key);
const values = async (log: Log, topic: string, partition: number, from?: bigint) =>
  recordsOf((await log.read(topic, partition, from ?? log.logStartOffset(topic, partition), 1 << 30)).records).map((r) => r.value);

test('retention by bytes drops whole chunks, deletes unshared segments and keeps shared ones', async () => {
  const { store, open } = setup();
  const log = await open();
  const size = batchOf(['v00']).byteLength;
  await log.createTopic('short', 1, { retentionBytes: 3 * size, retentionMs: -1 });
  await log.createTopic('long', 1, { retentionMs: -1 });
  // Ten flushes; 'short' and 'long' share the first five segments.
  for (let i = 0; i < 10; i++) {
    const v = `v${String(i).padStart(2, '0')}`;
    await Promise.all([log.append('short', 0, batchOf([v])), i < 5 ? log.append('long', 0, batchOf([v])) : Promise.resolve()]);
  }
  const segmentsBefore = await keys(store, 'segments/');
  await log.runMaintenance();
  expect(log.logStartOffset('short', 0)).toBe(7n);
  expect(log.highWatermark('short', 0)).toBe(10n);
  await expect(log.read('short', 0, 6n, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  expect(await values(log, 'short', 0)).toEqual(['v07', 'v08', 'v09']);
  // Segments 6 and 7 held only 'short' records below the new start: gone. The shared ones stay.
  await new Promise((r) => setTimeout(r, 100));
  const segmentsAfter = await keys(store, 'segments/');
  expect(segmentsBefore.length - segmentsAfter.length).toBe(2);
  await log.close();
  const cold = await open({ tailCacheMaxBytes: 0 });
  expect(await values(cold, 'long', 0)).toEqual(['v00', 'v01', 'v02', 'v03', 'v04']);
  expect(await values(cold, 'short', 0)).toEqual(['v07', 'v08', 'v09']);
  expect(cold.logStartOffset('short', 0)).toBe(7n);
});

test('retention by time follows batch timestamps against the clock', async () => {
  const { open } = setup();
  let now = 1_000_000;
  const log = await open({ now: () => now });
  await log.createTopic('t', 1, { retentionMs: 10_000 });
  await log.append('t', 0, batchOf(['old'], { timestampMs: 995_000n }));
  await log.append('t', 0, batchOf(['mid'], { timestampMs: 999_000n }));
  await log.append('t', 0, batchOf(['new'], { timestampMs: 1_004_000n }));
  await log.runMaintenance();
  expect(log.logStartOffset('t', 0)).toBe(0n);
  now = 1_009_500; // 'old' is now 14.5 s old, 'mid' 10.5 s, 'new' 5.5 s
  await log.runMaintenance();
  expect(log.logStartOffset('t', 0)).toBe(2n);
  expect(await values(log, 't', 0)).toEqual(['new']);
  expect(await log.offsetForTimestamp('t', 0, 0n)).toEqual({ offset: 2n, timestampMs: 1_004_000n });
  now = 1_100_000; // everything expired: the log is empty but offsets are never reused
  await log.runMaintenance();
  expect(log.logStartOffset('t', 0)).toBe(3n);
  expect((await log.read('t', 0, 3n, 100)).records).toEqual([]);
  expect((await log.append('t', 0, batchOf(['next'], { timestampMs: 1_100_000n }))).baseOffset).toBe(3n);
});

test('compaction merges small chunks into one object: a cold read needs one GET', async () => {
  const { store, open } = setup();
  const log = await open();
  await log.createTopic('t', 2);
  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    expected.push(`r${i}`);
    await Promise.all([log.append('t', 0, batchOf([`r${i}`])), log.append('t', 1, batchOf([`s${i}`]))]);
  }
  await log.close();
  // A new broker (the only writer now) reads cold: one ranged GET per small chunk.
  const coldGets = async () => {
    const counting = new CountingStore(store);
    const cold = await open({ store: counting, tailCacheMaxBytes: 0 });
    const before = counting.snapshot().get.requests;
    expect(await values(cold, 't', 0, 0n)).toEqual(expected);
    return { cold, gets: counting.snapshot().get.requests - before };
  };
  const first = await coldGets();
  expect(first.gets).toBe(20);
  await first.cold.runMaintenance();
  await first.cold.close();
  expect(await keys(store, 'checkpoints/')).not.toEqual([]);
  const { cold: next, gets } = await coldGets();
  expect(gets).toBe(1);
  // Reads at any offset still start at the right batch.
  expect(recordsOf((await next.read('t', 0, 13n, 1)).records).map((r) => r.offset)).toEqual([13n]);
  expect(await values(next, 't', 1, 0n)).toEqual(expected.map((v) => v.replace('r', 's')));
  // Appends after compaction continue at the right offset, and the small segments are gone.
  expect((await next.append('t', 0, batchOf(['after']))).baseOffset).toBe(20n);
  await new Promise((r) => setTimeout(r, 100));
  expect((await keys(store, 'segments/')).length).toBeLessThanOrEqual(3);
});

test('checkpoints bound recovery; old entries are deleted; recovery gives the same state', async () => {
  const { store, open } = setup();
  const log = await open();
  await log.createTopic('t', 1);
  for (let i = 0; i < 5; i++) await log.append('t', 0, batchOf([`a${i}`]));
  await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 3n, metadata: 'x' }]);
  await log.writeCheckpoint();
  const firstCheckpoint = (await keys(store, 'checkpoints/'))[0]!;
  for (let i = 0; i < 5; i++) await log.append('t', 0, batchOf([`b${i}`]));
  await log.writeCheckpoint();
  for (let i = 0; i < 2; i++) await log.append('t', 0, batchOf([`c${i}`]));
  // Entries up to the first checkpoint are gone; the newer checkpoint and what follows remain.
  const firstSeq = Number(firstCheckpoint.slice('checkpoints/'.length));
  const entries = (await keys(store, 'manifest/')).map((k) => Number(k.slice('manifest/'.length)));
  expect(Math.min(...entries)).toBe(firstSeq + 1);
  await log.close();
  const again = await open();
  expect(again.highWatermark('t', 0)).toBe(12n);
  expect(await values(again, 't', 0)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4', 'c0', 'c1']);
  expect(again.committedOffset('g', 't', 0)).toEqual({ topic: 't', partition: 0, offset: 3n, metadata: 'x' });
});

test('segments no manifest entry names (a PUT whose entry never landed) are collected by the next broker', async () => {
  const { store, open } = setup();
  const log = await open();
  await log.createTopic('t', 1);
  await log.append('t', 0, batchOf(['kept']));
  const orphan = 'segments/0000000001-000000000999.seg';
  await store.put(orphan, new Uint8Array([1, 2, 3]));
  await log.close();
  const next = await open();
  for (let i = 0; i < 50 && (await keys(store, 'segments/')).includes(orphan); i++) await new Promise((r) => setTimeout(r, 20));
  expect(await keys(store, 'segments/')).not.toContain(orphan);
  expect(await values(next, 't', 0)).toEqual(['kept']);
});
