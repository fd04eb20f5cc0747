import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import type { CreatableTopic } from '../../../broker/protocol/apis/create-topics.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { kafkaClient } from '../../helpers/kafkajs.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let c: KafkaClient;
beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
});
afterAll(async () => {
  await t?.stop();
});

function topic(name: string, o: Partial<CreatableTopic> = {}): CreatableTopic {
  return { name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...o };
}

async function create(topics: CreatableTopic[], validateOnly = false, version = 3) {
  const res = await c.request(ApiKey.CreateTopics, version, { topics, timeoutMs: 5_000, validateOnly });
  return res.topics.map((x) => [x.name, x.errorCode]);
}

const exists = async (name: string) => (await c.request(ApiKey.Metadata, 4, { topics: [{ name }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).topics[0]!.errorCode === 0;

describe('CreateTopics', () => {
  it.each([0, 1, 2, 3, 4])('v%i creates a topic; a second creation is TOPIC_ALREADY_EXISTS', async (v) => {
    expect(await create([topic(`ct${v}`)], false, v)).toEqual([[`ct${v}`, ErrorCode.NONE]]);
    expect(await create([topic(`ct${v}`)], false, v)).toEqual([[`ct${v}`, ErrorCode.TOPIC_ALREADY_EXISTS]]);
  });

  it('validates without creating when validateOnly is set', async () => {
    expect(await create([topic('dry')], true)).toEqual([['dry', ErrorCode.NONE]]);
    expect(await exists('dry')).toBe(false);
    expect(await create([topic('ct3')], true)).toEqual([['ct3', ErrorCode.TOPIC_ALREADY_EXISTS]]);
    expect(await create([topic('dry', { replicationFactor: 2 })], true)).toEqual([['dry', ErrorCode.INVALID_REPLICATION_FACTOR]]);
  });

  it('gives each bad input its own code', async () => {
    expect(
      await create([
        topic('rf3', { replicationFactor: 3 }),
        topic('rf-default', { replicationFactor: -1 }),
        topic('zero', { numPartitions: 0 }),
        topic('bad name!'),
        topic('cfg-unknown', { configs: [{ name: 'cleanup.policy', value: 'compact' }] }),
        topic('cfg-bad', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic('cfg-low', { configs: [{ name: 'retention.bytes', value: '-5' }] }),
        topic('cfg-ok', { configs: [{ name: 'retention.ms', value: '60000' }, { name: 'retention.bytes', value: '-1' }, { name: 'max.message.bytes', value: '5000' }] }),
        topic('assigned', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }] }),
        topic('assigned-bad', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [9] }] }),
      ]),
    ).toEqual([
      ['rf3', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['rf-default', ErrorCode.NONE],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['cfg-unknown', ErrorCode.INVALID_CONFIG],
      ['cfg-bad', ErrorCode.INVALID_CONFIG],
      ['cfg-low', ErrorCode.INVALID_CONFIG],
      ['cfg-ok', ErrorCode.NONE],
      ['assigned', ErrorCode.NONE],
      ['assigned-bad', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ]);
    expect(await exists('rf3')).toBe(false);
    expect(await exists('cfg-ok')).toBe(true);
  });

  it('accepts the value sluice implements for a fixed config and refuses any other, saying why', async () => {
    const fixedOk = [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'message.timestamp.type', value: 'CreateTime' },
      { name: 'min.insync.replicas', value: '1' },
      { name: 'unclean.leader.election.enable', value: 'false' },
    ];
    const res = await c.request(ApiKey.CreateTopics, 3, {
      topics: [
        topic('fixed-ok', { configs: fixedOk }),
        topic('fixed-time', { configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }),
        topic('fixed-compact', { configs: [{ name: 'cleanup.policy', value: 'compact' }] }),
        topic('unknown-key', { configs: [{ name: 'segment.bytes', value: '1048576' }] }),
      ],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    const byName = Object.fromEntries(res.topics.map((x) => [x.name, [x.errorCode, x.errorMessage]]));
    expect(byName['fixed-ok']).toEqual([ErrorCode.NONE, null]);
    expect(byName['fixed-time']![0]).toBe(ErrorCode.INVALID_CONFIG);
    expect(byName['fixed-time']![1]).toMatch(/message\.timestamp\.type=LogAppendTime is not supported .*only CreateTime/);
    expect(byName['fixed-compact']![1]).toMatch(/cleanup\.policy=compact is not supported .*only delete/);
    expect(byName['unknown-key']![0]).toBe(ErrorCode.INVALID_CONFIG);
    expect(byName['unknown-key']![1]).toMatch(/unknown topic config segment\.bytes; supported: retention\.ms, .*cleanup\.policy=delete/);
    expect(await exists('fixed-ok')).toBe(true);
    expect(await exists('fixed-time')).toBe(false);
    // DescribeConfigs lists the fixed ones as read-only defaults.
    const described = await c.request(ApiKey.DescribeConfigs, 2, {
      resources: [{ resourceType: 2, resourceName: 'fixed-ok', configurationKeys: null }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(described.results[0]!.configs.map((x) => [x.name, [x.value, x.readOnly]]));
    for (const { name, value } of fixedOk) expect(entries[name], name).toEqual([value, true]);
  });

  it('accepts every compression.type Kafka has, as admin clients and their test suites set it', async () => {
    const codecs = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'];
    const res = await create([...codecs.map((v) => topic(`codec-${v}`, { configs: [{ name: 'compression.type', value: v }] })), topic('codec-brotli', { configs: [{ name: 'compression.type', value: 'brotli' }] })]);
    expect(res).toEqual([...codecs.map((v) => [`codec-${v}`, ErrorCode.NONE]), ['codec-brotli', ErrorCode.INVALID_CONFIG]]);
    const described = await c.request(ApiKey.DescribeConfigs, 2, {
      resources: codecs.map((v) => ({ resourceType: 2, resourceName: `codec-${v}`, configurationKeys: ['compression.type'] })),
      includeSynonyms: false,
    });
    expect(described.results.map((r) => [r.configs[0]!.value, r.configs[0]!.isDefault])).toEqual(codecs.map((v) => [v, v === 'producer']));
  });

  it('answers INVALID_REQUEST for a topic named twice', async () => {
    expect(await create([topic('twice'), topic('twice')])).toEqual([['twice', ErrorCode.INVALID_REQUEST], ['twice', ErrorCode.INVALID_REQUEST]]);
  });
});

describe('DescribeConfigs', () => {
  it('reports the topic configs given at creation, and the defaults', async () => {
    const res = await c.request(ApiKey.DescribeConfigs, 2, {
      resources: [
        { resourceType: 2, resourceName: 'cfg-ok', configurationKeys: null },
        { resourceType: 2, resourceName: 'ct3', configurationKeys: ['retention.ms'] },
        { resourceType: 2, resourceName: 'ghost', configurationKeys: null },
        { resourceType: 4, resourceName: '1', configurationKeys: null },
      ],
      includeSynonyms: false,
    });
    const [ok, dflt, ghost, broker] = res.results;
    const map = (r: typeof ok) => Object.fromEntries(r!.configs.map((x) => [x.name, [x.value, x.isDefault]]));
    expect(map(ok)).toMatchObject({ 'retention.ms': ['60000', false], 'retention.bytes': ['-1', true], 'max.message.bytes': ['5000', false] });
    expect(dflt!.configs.map((x) => [x.name, x.isDefault])).toEqual([['retention.ms', true]]);
    expect(ghost!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(broker!.errorCode).toBe(ErrorCode.NONE);
    expect(map(broker)['broker.id']).toEqual(['1', false]);
  });

  it('works for the kafkajs admin client', async () => {
    const admin = kafkaClient(t.address, 'cfg').admin();
    await admin.connect();
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'cfg-ok' }] });
    const entry = res.resources[0]!.configEntries.find((e) => e.configName === 'max.message.bytes');
    expect(entry?.configValue).toBe('5000');
    await admin.disconnect();
  });
});

describe('DeleteTopics', () => {
  it('deletes a topic; deleting it again is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    for (const v of [0, 3]) {
      await create([topic(`del${v}`)]);
      const res = await c.request(ApiKey.DeleteTopics, v, { topicNames: [`del${v}`, 'ghost'], timeoutMs: 5_000 });
      expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([[`del${v}`, ErrorCode.NONE], ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
      expect(await exists(`del${v}`)).toBe(false);
    }
  });
});
