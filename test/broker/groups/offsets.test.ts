// Committed offsets of consumer groups: durable in the log, fetched per group, -1 where none.
import { afterEach, expect, test } from 'vitest';
import { GroupOffsets } from '../../../broker/groups/index.js';
import { LOG_FLUSH_MAX_OPS_COUNT } from '../../../broker/constants.js';
import { logsOnTempStore } from '../log/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('committed offsets are durable across a restart and fetched per group, -1 where none', async () => {
  const { open } = logsOnTempStore('group-offsets', cleanups);
  const log = await open();
  await log.createTopic('t', 2);
  const offsets = new GroupOffsets(log);
  await offsets.commit('g1', [
    { topic: 't', partition: 0, offset: 5n, metadata: 'm' },
    { topic: 't', partition: 1, offset: 7n, metadata: null },
  ]);
  await offsets.commit('g1', [{ topic: 't', partition: 0, offset: 6n, metadata: null }]);
  await log.close();
  const again = new GroupOffsets(await open());
  expect(again.fetch('g1', [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 'u', partition: 0 }])).toEqual([
    { topic: 't', partition: 0, offset: 6n, metadata: null },
    { topic: 't', partition: 1, offset: 7n, metadata: null },
    { topic: 'u', partition: 0, offset: -1n, metadata: null },
  ]);
  expect(again.fetch('g1')).toHaveLength(2);
  expect(again.fetch('g2')).toEqual([]);
});

test('a commit naming more partitions than one manifest entry holds is split over entries, all durable', async () => {
  const { open } = logsOnTempStore('group-offsets', cleanups);
  const log = await open();
  // The log keeps what the coordinator lets through; the handler checks that topics exist.
  const partitions = 1000;
  const many = Array.from({ length: LOG_FLUSH_MAX_OPS_COUNT + 1 }, (_, i) => ({
    topic: `t${Math.floor(i / partitions)}`,
    partition: i % partitions,
    offset: BigInt(i),
    metadata: null,
  }));
  await new GroupOffsets(log).commit('g', many);
  await log.close();
  const fetched = new GroupOffsets(await open()).fetch('g', many.map(({ topic, partition }) => ({ topic, partition })));
  expect(fetched).toEqual(many);
});
