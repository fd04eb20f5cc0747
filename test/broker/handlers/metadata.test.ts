import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import { kafkaClient } from '../../helpers/kafkajs.js';
import { topicCreations } from '../../helpers/manifest-ops.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let auto: TestBroker;

beforeAll(async () => {
  t = await startTestBroker({ nodeId: 7, autoCreateTopics: false });
  // The default: topics are created on first use.
  auto = await startTestBroker({ defaultPartitions: 3 });
  const c = await t.client();
  await c.request(ApiKey.CreateTopics, 3, {
    topics: [{ name: 'm1', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }, { name: 'm2', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5_000,
    validateOnly: false,
  });
});
afterAll(async () => {
  await t?.stop();
  await auto?.stop();
});

const req = (topics: string[] | null, allowAutoTopicCreation = true) => ({
  topics: topics === null ? null : topics.map((name) => ({ name })),
  allowAutoTopicCreation,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

describe('Metadata', () => {
  it.each([0, 1, 4, 8])('v%i names this broker at its actual port as leader and controller', async (v) => {
    const c = await t.client();
    const res = await c.request(ApiKey.Metadata, v, req(['m1']));
    expect(res.brokers).toEqual([{ nodeId: 7, host: '127.0.0.1', port: t.broker.port, rack: null }]);
    if (v >= 1) expect(res.controllerId).toBe(7);
    const [m1] = res.topics;
    expect(m1!.errorCode).toBe(ErrorCode.NONE);
    expect(m1!.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes])).toEqual([
      [0, 7, [7], [7]],
      [1, 7, [7], [7]],
      [2, 7, [7], [7]],
    ]);
  });

  it('null topics means all; an empty list means none (v1+)', async () => {
    const c = await t.client();
    const all = await c.request(ApiKey.Metadata, 1, req(null));
    expect(all.topics.map((x) => x.name).sort()).toEqual(['m1', 'm2']);
    const none = await c.request(ApiKey.Metadata, 1, req([]));
    expect(none.topics).toEqual([]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic when auto-creation is off', async () => {
    const c = await t.client();
    const res = await c.request(ApiKey.Metadata, 8, req(['missing']));
    expect(res.topics.map((x) => [x.name, x.errorCode])).toEqual([['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    // Before v4 a request cannot say no; the broker's setting still decides.
    const old = await c.request(ApiKey.Metadata, 1, req(['missing']));
    expect(old.topics.map((x) => [x.name, x.errorCode])).toEqual([['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const again = await c.request(ApiKey.Metadata, 1, req(null));
    expect(again.topics.map((x) => x.name)).not.toContain('missing');
  });

  it('by default creates a requested topic with num.partitions, only when the client allows it', async () => {
    const c = await auto.client();
    const refused = await c.request(ApiKey.Metadata, 8, req(['lazy'], false));
    expect(refused.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const created = await c.request(ApiKey.Metadata, 8, req(['lazy'], true));
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(created.topics[0]!.partitions).toHaveLength(3);
    const bad = await c.request(ApiKey.Metadata, 8, req(['bad/name'], true));
    expect(bad.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    // Metadata v0-3 carries no flag: Kafka reads it as allowed.
    const v1 = await c.request(ApiKey.Metadata, 1, req(['lazy-v1']));
    expect(v1.topics.map((x) => [x.name, x.errorCode, x.partitions.length])).toEqual([['lazy-v1', ErrorCode.NONE, 3]]);
    const all = await c.request(ApiKey.Metadata, 4, req(null, false));
    expect(all.topics.map((x) => x.name).sort()).toEqual(['lazy', 'lazy-v1']);
  });

  it('creates one topic however many requests name it at once', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => auto.client()));
    const answers = await Promise.all(clients.flatMap((c) => [c.request(ApiKey.Metadata, 8, req(['raced', 'raced'])), c.request(ApiKey.Metadata, 4, req(['raced']))]));
    const ids = new Set(answers.flatMap((a) => a.topics.map((x) => [x.errorCode, x.partitions.length].join())));
    expect(ids).toEqual(new Set([`${ErrorCode.NONE},3`]));
    expect(await topicCreations(auto.dir, 'raced')).toBe(1);
  });

  it('answers a view by its name and never creates a topic of that name', async () => {
    const c = await auto.client();
    await c.request(ApiKey.Metadata, 8, req(['view-source']));
    await auto.broker.log.attach({
      name: 'a-view', kind: 'view', source: 'view-source', module: { name: 'm', id: '0'.repeat(64), kind: 'filter' }, params: {}, onError: 'skip',
    });
    const res = await c.request(ApiKey.Metadata, 8, req(['a-view']));
    expect(res.topics.map((x) => [x.name, x.errorCode, x.partitions.length])).toEqual([['a-view', ErrorCode.NONE, 3]]);
    const produced = await c.request(ApiKey.Produce, 8, {
      transactionalId: null, acks: -1, timeoutMs: 5_000,
      topicData: [{ name: 'a-view', partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value: new Uint8Array([1]) }]) }] }],
    });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await topicCreations(auto.dir, 'a-view')).toBe(0);
    expect(auto.broker.log.getTopic('a-view')).toBeUndefined();
  });

  it('with auto-creation off, kafkajs producing to a missing topic fails with the unknown-topic error, not a hang', async () => {
    const kafka = kafkaClient(t.address, 'meta-test', { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await expect(producer.send({ topic: 'never-created', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition/);
    await producer.disconnect();
  });
});
