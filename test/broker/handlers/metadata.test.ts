import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { kafkaClient } from '../../helpers/kafkajs.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let auto: TestBroker;

beforeAll(async () => {
  t = await startTestBroker({ nodeId: 7 });
  auto = await startTestBroker({ autoCreateTopics: true, defaultPartitions: 3 });
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

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a missing topic when auto-creation is off (the default)', async () => {
    const c = await t.client();
    const res = await c.request(ApiKey.Metadata, 8, req(['missing']));
    expect(res.topics.map((x) => [x.name, x.errorCode])).toEqual([['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const again = await c.request(ApiKey.Metadata, 1, req(null));
    expect(again.topics.map((x) => x.name)).not.toContain('missing');
  });

  it('with autoCreateTopics on, creates a requested topic only when the client allows it', async () => {
    const c = await auto.client();
    const refused = await c.request(ApiKey.Metadata, 8, req(['lazy'], false));
    expect(refused.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const created = await c.request(ApiKey.Metadata, 8, req(['lazy'], true));
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(created.topics[0]!.partitions).toHaveLength(3);
    const bad = await c.request(ApiKey.Metadata, 8, req(['bad/name'], true));
    expect(bad.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('kafkajs producing to a missing topic fails with the unknown-topic error, not a hang', async () => {
    const kafka = kafkaClient(t.address, 'meta-test', { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await expect(producer.send({ topic: 'never-created', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition/);
    await producer.disconnect();
  });
});
