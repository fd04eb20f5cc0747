/**
 * What admin clients change in the log: more partitions, topic configs, a partition's log start
 * (DeleteRecords) and consumer groups' committed offsets. Each is a manifest operation, so a broker
 * opened on the bucket alone finds it.
 */
import { afterEach, expect, test } from 'vitest';
import { InvalidPartitionsError, OffsetOutOfRangeError, UnknownTopicError, type Log } from '../../../broker/log/index.js';
import { concatRecordSet } from '../../../broker/protocol/record-batch.js';
import { manifestOps } from '../../helpers/manifest-ops.js';
import { batchOf, logsOnTempStore, recordsOf } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const values = async (log: Log, topic: string, partition: number, from?: bigint) =>
  recordsOf((await log.read(topic, partition, from ?? log.logStartOffset(topic, partition), 1 << 30)).records).map((r) => r.value);

test('a topic grows: existing partitions keep their offsets, new ones start empty, shrinking is refused', async () => {
  const { open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  await log.createTopic('t', 2);
  await log.append('t', 0, batchOf(['a', 'b']));
  await log.append('t', 1, batchOf(['c']));
  await expect(log.createPartitions('t', 2)).rejects.toBeInstanceOf(InvalidPartitionsError);
  await expect(log.createPartitions('t', 1)).rejects.toBeInstanceOf(InvalidPartitionsError);
  await expect(log.createPartitions('t', 5000)).rejects.toBeInstanceOf(InvalidPartitionsError);
  await expect(log.createPartitions('nope', 3)).rejects.toBeInstanceOf(UnknownTopicError);
  expect((await log.createPartitions('t', 4, { validateOnly: true })).partitions).toBe(4);
  expect(log.getTopic('t')!.partitions).toBe(2);
  expect((await log.createPartitions('t', 4)).partitions).toBe(4);
  expect(log.getTopic('t')!.partitions).toBe(4);
  expect([log.highWatermark('t', 0), log.highWatermark('t', 1), log.highWatermark('t', 3)]).toEqual([2n, 1n, 0n]);
  expect((await log.append('t', 3, batchOf(['new']))).baseOffset).toBe(0n);
  await log.close();
  const again = await open();
  expect(again.getTopic('t')!.partitions).toBe(4);
  expect([await values(again, 't', 0), await values(again, 't', 3)]).toEqual([['a', 'b'], ['new']]);
});

test('concurrent config changes of one topic apply one after another, none lost, and survive a restart', async () => {
  const { open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  await log.createTopic('t', 1, { retentionMs: 1000 });
  await Promise.all([
    log.alterTopicConfig('t', (c) => ({ ...c, retentionMs: c.retentionMs + 1 })),
    log.alterTopicConfig('t', (c) => ({ ...c, retentionMs: c.retentionMs + 1 })),
    log.alterTopicConfig('t', (c) => ({ ...c, compressionType: 'lz4' })),
    log.createPartitions('t', 2),
  ]);
  expect(log.getTopic('t')).toMatchObject({ partitions: 2, config: { retentionMs: 1002, compressionType: 'lz4' } });
  await log.writeCheckpoint();
  await log.alterTopicConfig('t', (c) => ({ ...c, maxMessageBytes: 5000 }));
  await log.close();
  const again = await open();
  expect(again.getTopic('t')).toMatchObject({ partitions: 2, config: { retentionMs: 1002, compressionType: 'lz4', maxMessageBytes: 5000 } });
});

test('deleting records moves the log start: reads below it are out of range, -1 means the high watermark', async () => {
  const { open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  await log.createTopic('t', 1);
  for (let i = 0; i < 5; i++) await log.append('t', 0, batchOf([`r${i}`], { timestampMs: BigInt(1000 + i) }));
  await expect(log.deleteRecords('t', 0, 6n)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  await expect(log.deleteRecords('t', 0, -2n)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  expect(log.logStartOffset('t', 0)).toBe(0n);
  expect(await log.deleteRecords('t', 0, 2n)).toBe(2n);
  // At or below the log start changes nothing.
  expect(await log.deleteRecords('t', 0, 1n)).toBe(2n);
  await expect(log.read('t', 0, 1n, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  expect(await values(log, 't', 0)).toEqual(['r2', 'r3', 'r4']);
  expect(await log.offsetForTimestamp('t', 0, 0n)).toEqual({ offset: 2n, timestampMs: 1002n });
  await log.close();
  const again = await open();
  expect(again.logStartOffset('t', 0)).toBe(2n);
  expect(await again.deleteRecords('t', 0, -1n)).toBe(5n);
  expect((await again.read('t', 0, 5n, 1000)).records).toEqual([]);
  expect((await again.append('t', 0, batchOf(['next']))).baseOffset).toBe(5n);
});

test('compaction does not copy records deleted inside a chunk', async () => {
  const { store, open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  await log.createTopic('t', 1);
  // Ten chunks of two one-record batches each: offsets 2i and 2i+1 share a chunk.
  for (let i = 0; i < 10; i++) await log.append('t', 0, concatRecordSet([batchOf([`r${2 * i}`]), batchOf([`r${2 * i + 1}`])]));
  expect(await log.deleteRecords('t', 0, 5n)).toBe(5n);
  expect(await log.compact()).toBe(1);
  const compact = (await manifestOps(store)).find((op) => op.op === 'compact');
  // The chunk of offsets 4-5 was cut at 5: its batch of offset 4 was left behind.
  expect(compact).toMatchObject({ chunk: { first: 5n, last: 19n } });
  await log.close();
  const cold = await open({ tailCacheMaxBytes: 0 });
  expect(await values(cold, 't', 0)).toEqual(Array.from({ length: 15 }, (_, i) => `r${i + 5}`));
});

test('retention treats deleted records as gone: byte retention counts only what is left', async () => {
  const { open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  const size = batchOf(['v0']).byteLength;
  await log.createTopic('t', 1, { retentionBytes: 4 * size, retentionMs: -1 });
  for (let i = 0; i < 6; i++) await log.append('t', 0, batchOf([`v${i}`]));
  await log.deleteRecords('t', 0, 3n);
  // Three chunks are left, within the four retention allows: nothing more goes.
  await log.applyRetention();
  expect(log.logStartOffset('t', 0)).toBe(3n);
  for (let i = 6; i < 8; i++) await log.append('t', 0, batchOf([`v${i}`]));
  await log.applyRetention();
  expect(log.logStartOffset('t', 0)).toBe(4n);
  expect(await values(log, 't', 0)).toEqual(['v4', 'v5', 'v6', 'v7']);
});

test("a group's committed offsets are deleted whole or per partition, durably", async () => {
  const { open } = logsOnTempStore('log-admin', cleanups);
  const log = await open();
  await log.createTopic('t', 3);
  const commit = (group: string, partition: number) => log.commitOffsets(group, [{ topic: 't', partition, offset: 7n, metadata: null }]);
  await Promise.all([commit('a', 0), commit('a', 1), commit('a', 2), commit('b', 0)]);
  expect(log.committedGroups().sort()).toEqual(['a', 'b']);
  await log.deleteCommittedOffsets('a', 't', [0, 2]);
  await log.deleteGroupOffsets('b');
  expect(log.committedOffsets('a').map((c) => c.partition)).toEqual([1]);
  await log.close();
  const again = await open();
  expect(again.committedGroups()).toEqual(['a']);
  expect(again.committedOffsets('a')).toEqual([{ topic: 't', partition: 1, offset: 7n, metadata: null }]);
});
