/**
 * DeleteGroups and OffsetDelete over the wire, with a kafkajs consumer group as the group with
 * members: a group's offsets go for good (a restart does not bring them back), a group with
 * members is refused, and the partitions its members read are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { kafkaClient } from '../../helpers/kafkajs.js';
import { createTopic } from '../smartmodules/record-path-helpers.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let c: KafkaClient;

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  await createTopic(c, 'ga', 3);
  await createTopic(c, 'gb', 2);
});
afterAll(async () => {
  await t?.stop();
});

/** Commits as a simple consumer (no membership, generation -1). */
async function commit(group: string, topic: string, partitions: number[], offset = 5n): Promise<void> {
  const res = await c.request(ApiKey.OffsetCommit, 7, {
    groupId: group, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null })) }],
  });
  expect(res.topics[0]!.partitions.map((p) => p.errorCode)).toEqual(partitions.map(() => ErrorCode.NONE));
}

async function committed(group: string): Promise<string[]> {
  const res = await c.request(ApiKey.OffsetFetch, 5, { groupId: group, topics: null });
  return res.topics.flatMap((t) => t.partitions.filter((p) => p.committedOffset >= 0n).map((p) => `${t.name}-${p.partitionIndex}`)).sort();
}

const deleteGroups = async (...groups: string[]) => (await c.request(ApiKey.DeleteGroups, 1, { groupsNames: groups })).results.map((r) => [r.groupId, r.errorCode]);

const offsetDelete = (groupId: string, topics: { name: string; partitions: number[] }[]) =>
  c.request(ApiKey.OffsetDelete, 0, { groupId, topics: topics.map((x) => ({ name: x.name, partitions: x.partitions.map((p) => ({ partitionIndex: p })) })) });

async function runningConsumer(group: string, topic: string): Promise<Consumer> {
  const consumer = kafkaClient(t.address, `member-of-${group}`).consumer({ groupId: group, sessionTimeout: 6_000, heartbeatInterval: 200, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined!: () => void;
  const ready = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({ eachMessage: async () => undefined });
  await ready;
  return consumer;
}

describe('DeleteGroups', () => {
  it('deletes an empty group’s offsets; the group is then unknown', async () => {
    await commit('old', 'ga', [0, 1]);
    const listed = await c.request(ApiKey.ListGroups, 2, {});
    expect(listed.groups.map((g) => g.groupId)).toContain('old');
    expect((await c.request(ApiKey.DescribeGroups, 4, { groups: ['old'], includeAuthorizedOperations: false })).groups[0]!.groupState).toBe('Empty');
    expect(await deleteGroups('old', 'never-was', '')).toEqual([['old', ErrorCode.NONE], ['never-was', ErrorCode.GROUP_ID_NOT_FOUND], ['', ErrorCode.INVALID_GROUP_ID]]);
    expect(await committed('old')).toEqual([]);
    expect(await deleteGroups('old')).toEqual([['old', ErrorCode.GROUP_ID_NOT_FOUND]]);
    expect((await c.request(ApiKey.DescribeGroups, 4, { groups: ['old'], includeAuthorizedOperations: false })).groups[0]!.groupState).toBe('Dead');
  });

  it('refuses a group with members with NON_EMPTY_GROUP, keeping its offsets', async () => {
    await commit('busy', 'gb', [0, 1], 0n);
    const consumer = await runningConsumer('busy', 'gb');
    try {
      expect(await deleteGroups('busy')).toEqual([['busy', ErrorCode.NON_EMPTY_GROUP]]);
      expect(await committed('busy')).toEqual(['gb-0', 'gb-1']);
    } finally {
      await consumer.disconnect();
    }
    // Once its last member left, it can go.
    expect(await deleteGroups('busy')).toEqual([['busy', ErrorCode.NONE]]);
  }, 30_000);
});

describe('OffsetDelete', () => {
  it('deletes some partitions’ offsets of an empty group, and answers unknown topics and groups', async () => {
    await commit('partial', 'ga', [0, 1, 2]);
    await commit('partial', 'gb', [0]);
    const res = await offsetDelete('partial', [{ name: 'ga', partitions: [0, 2, 7] }, { name: 'ghost', partitions: [0] }]);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.topics.map((x) => [x.name, x.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ['ga', [[0, ErrorCode.NONE], [2, ErrorCode.NONE], [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['ghost', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
    expect(await committed('partial')).toEqual(['ga-1', 'gb-0']);
    expect((await offsetDelete('no-such-group', [{ name: 'ga', partitions: [0] }])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await offsetDelete('', [{ name: 'ga', partitions: [0] }])).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('keeps the offsets of topics the group’s members read (GROUP_SUBSCRIBED_TO_TOPIC) and deletes the others', async () => {
    await commit('reading', 'ga', [0, 1]);
    await commit('reading', 'gb', [0, 1]);
    const consumer = await runningConsumer('reading', 'gb');
    try {
      const res = await offsetDelete('reading', [{ name: 'ga', partitions: [0, 1] }, { name: 'gb', partitions: [0] }]);
      expect(res.topics.map((x) => [x.name, x.partitions.map((p) => p.errorCode)])).toEqual([
        ['ga', [ErrorCode.NONE, ErrorCode.NONE]],
        ['gb', [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]],
      ]);
      expect(await committed('reading')).toEqual(['gb-0', 'gb-1']);
    } finally {
      await consumer.disconnect();
    }
  }, 30_000);

  it('the deletions hold after a restart', async () => {
    await t.restart();
    c = await t.client();
    expect(await committed('old')).toEqual([]);
    expect(await committed('partial')).toEqual(['ga-1', 'gb-0']);
    expect((await c.request(ApiKey.ListGroups, 2, {})).groups.map((g) => g.groupId).sort()).toEqual(['partial', 'reading']);
  });
});
