/**
 * The admin calls people script against a cluster, from real clients, on the local store and on S3:
 * kafkajs admin (createTopics with compression.type=lz4, createPartitions, deleteTopicRecords,
 * alterConfigs, describeCluster, deleteGroups, resetOffsets) and librdkafka's (confluent-kafka's
 * AdminClient: create_partitions, alter_configs, delete_records, delete_consumer_groups, and
 * OffsetDelete). Each gets Kafka's answers and error codes, each bad request leaves the topic as it
 * was, and everything holds after kill -9 and a new broker on the same bucket.
 */
import { expect } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { confluentAdmin, kafkaPythonConsumeAll } from '../helpers/python-clients.js';

const TOPIC_RESOURCE = 2;
const RECORDS_PER_PARTITION = 10;

/** kafkajs wraps protocol errors in retry errors; the Kafka error type is on the error or its cause. */
function errorType(err: unknown): string | undefined {
  const e = err as { type?: string; cause?: { type?: string }; originalError?: { type?: string } };
  return e.type ?? e.cause?.type ?? e.originalError?.type;
}

/** kafkajs's error with the broker's answers in it: the error itself, or what a retry wrapper holds. */
function withDetails<T>(err: unknown): T {
  const e = err as { cause?: unknown };
  return (e.cause ?? e) as T;
}

/** What must hold, after the changes, in this broker and in any broker started later on the bucket. */
interface Expected {
  partitions: Record<string, number>;
  lowWatermarks: Record<string, Record<number, string>>;
  configs: Record<string, Record<string, string>>;
  groupsGone: string[];
}

async function configsOf(admin: Admin, topic: string): Promise<Record<string, string>> {
  const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic }] });
  return Object.fromEntries(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
}

async function lowWatermarks(admin: Admin, topic: string): Promise<Record<number, string>> {
  return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.low]));
}

/** Everything the expected state says, through kafkajs and librdkafka. */
async function verify(kafka: Kafka, address: string, expected: Expected, when: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: Object.keys(expected.partitions) });
    expect(Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length])), when).toEqual(expected.partitions);
    for (const [topic, lows] of Object.entries(expected.lowWatermarks)) expect(await lowWatermarks(admin, topic), `${when}: ${topic} log starts`).toMatchObject(lows);
    for (const [topic, configs] of Object.entries(expected.configs)) {
      expect(await configsOf(admin, topic), `${when}: ${topic} configs (kafkajs)`).toMatchObject(configs);
      expect(await confluentAdmin(address, 'describe-configs', topic), `${when}: ${topic} configs (librdkafka)`).toMatchObject({ ok: configs });
    }
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    for (const g of expected.groupsGone) expect(groups, `${when}: group ${g} was deleted`).not.toContain(g);
  } finally {
    await admin.disconnect();
  }
}

/** Produces RECORDS_PER_PARTITION uncompressed records to each partition with kafkajs's default producer. */
async function produceEach(kafka: Kafka, topic: string, partitions: number, tag: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: partitions * RECORDS_PER_PARTITION }, (_, i) => ({ partition: i % partitions, key: `k${i}`, value: `${tag}-${i}` })) });
  await producer.disconnect();
}

/** Reads every record of the topic with a kafkajs group, committing as it goes; returns how many. */
async function consumeAsGroup(kafka: Kafka, topic: string, groupId: string, expectedCount: number): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 6_000, heartbeatInterval: 300 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`group ${groupId} read ${count} of ${expectedCount} records`)), 60_000);
    void consumer.run({
      autoCommitInterval: 100,
      eachMessage: async () => {
        if (++count === expectedCount) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.commitOffsets([]).catch(() => undefined);
  await consumer.disconnect();
  return count;
}

export async function runAdminScenario(startBroker: () => Promise<BrokerProcess>): Promise<void> {
  let broker = await startBroker();
  let kafka = kafkaClient(broker.address, 'e2e-admin');
  const admin = kafka.admin();
  await admin.connect();
  const expected: Expected = { partitions: {}, lowWatermarks: {}, configs: {}, groupsGone: [] };

  // ---- kafkajs admin ----
  // Creating a topic with compression.type=lz4 succeeds, as admin clients and their suites expect.
  expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2, configEntries: [{ name: 'compression.type', value: 'lz4' }] }] })).toBe(true);
  await produceEach(kafka, 'orders', 2, 'first');
  // The broker recompressed kafkajs's uncompressed batches to lz4: librdkafka (CRCs checked) and kafka-python decode them.
  expect((await kcatConsumeAll(broker.address, 'orders')).length).toBe(20);
  expect((await kafkaPythonConsumeAll(broker.address, 'orders', 2)).map((r) => r.value?.toString()).sort()).toEqual(
    Array.from({ length: 20 }, (_, i) => `first-${i}`).sort(),
  );

  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 4 }] });
  const shrink = await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 3 }] }).catch((e: unknown) => e);
  expect(errorType(shrink)).toBe('INVALID_PARTITIONS');
  expect((await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions).toHaveLength(4);

  await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '4' }] });
  const pastEnd = await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 1, offset: '99' }] }).catch((e: unknown) => e);
  expect(withDetails<{ partitions?: { error: { type: string } }[] }>(pastEnd).partitions?.map((p) => p.error.type)).toEqual(['OFFSET_OUT_OF_RANGE']);
  expect(await lowWatermarks(admin, 'orders')).toMatchObject({ 0: '4', 1: '0' });

  const configs = [{ name: 'retention.ms', value: '86400000' }, { name: 'compression.type', value: 'lz4' }];
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name: 'orders', configEntries: configs }] });
  const before = await configsOf(admin, 'orders');
  const bad = await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name: 'orders', configEntries: [{ name: 'retention.ms', value: 'tomorrow' }] }] }).catch((e: unknown) => e);
  expect(errorType(bad)).toBe('INVALID_CONFIG');
  expect(await configsOf(admin, 'orders')).toEqual(before);

  const cluster = await admin.describeCluster();
  expect(cluster).toEqual({ brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port }], controller: 1, clusterId: 'sluice' });

  // Groups: one read and reset, one deleted, one refused while it has a member.
  expect(await consumeAsGroup(kafka, 'orders', 'g-reset', 16)).toBe(16);
  await admin.resetOffsets({ groupId: 'g-reset', topic: 'orders', earliest: true });
  expect(await consumeAsGroup(kafka, 'orders', 'g-reset', 16)).toBe(16);
  expect(await consumeAsGroup(kafka, 'orders', 'g-drop', 16)).toBe(16);
  expect(await admin.deleteGroups(['g-drop'])).toEqual([expect.objectContaining({ groupId: 'g-drop', errorCode: 0 })]);
  expect((await admin.fetchOffsets({ groupId: 'g-drop', topics: ['orders'] }))[0]!.partitions.map((p) => p.offset)).toEqual(['-1', '-1', '-1', '-1']);
  const member = kafka.consumer({ groupId: 'g-busy', sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  await member.connect();
  await member.subscribe({ topic: 'orders', fromBeginning: true });
  const joined = new Promise<void>((r) => member.on(member.events.GROUP_JOIN, () => r()));
  await member.run({ eachMessage: async () => undefined });
  await joined;
  const busy = await admin.deleteGroups(['g-busy']).catch((e: unknown) => e);
  expect(withDetails<{ groups?: { errorCode: number }[] }>(busy).groups?.map((g) => g.errorCode)).toEqual([68]);
  const running = await admin.resetOffsets({ groupId: 'g-busy', topic: 'orders', earliest: true }).catch((e: unknown) => e);
  expect(String(running)).toMatch(/no running instances/);
  await member.disconnect();

  // ---- librdkafka (confluent-kafka's AdminClient, and the same library through ctypes) ----
  expect(await confluentAdmin(broker.address, 'create-topic', 'events', '1', 'compression.type=zstd', 'retention.bytes=1000000')).toEqual({ ok: null });
  expect(await confluentAdmin(broker.address, 'create-partitions', 'events', '3')).toEqual({ ok: null });
  expect(await confluentAdmin(broker.address, 'create-partitions', 'events', '2')).toMatchObject({ error: { name: 'INVALID_PARTITIONS' } });
  expect(await confluentAdmin(broker.address, 'create-partitions', 'events', '8', 'validate')).toEqual({ ok: null });
  expect(await confluentAdmin(broker.address, 'alter-configs', 'events', 'compression.type=gzip', 'max.message.bytes=200000')).toEqual({ ok: null });
  expect(await confluentAdmin(broker.address, 'alter-configs', 'events', 'compression.type=brotli')).toMatchObject({ error: { name: 'INVALID_CONFIG', message: expect.stringMatching(/compression\.type/) } });
  await produceEach(kafka, 'events', 3, 'events');
  expect(await confluentAdmin(broker.address, 'delete-records', 'events', '2', '7')).toEqual({ ok: [{ topic: 'events', partition: 2, offset: 7, error: 'NO_ERROR' }] });
  expect(await confluentAdmin(broker.address, 'delete-records', 'events', '1', '11')).toMatchObject({ ok: [{ partition: 1, error: 'OFFSET_OUT_OF_RANGE' }] });
  expect(await consumeAsGroup(kafka, 'events', 'g-librdkafka', 23)).toBe(23);
  expect(await confluentAdmin(broker.address, 'delete-offsets', 'g-reset', 'orders', '1')).toEqual({ ok: [{ group: 'g-reset', error: null, partitions: [{ topic: 'orders', partition: 1, offset: -1001, error: 'NO_ERROR' }] }] });
  expect(await confluentAdmin(broker.address, 'delete-groups', 'g-librdkafka', 'g-never')).toEqual({
    ok: [{ group: 'g-librdkafka', error: null, partitions: [] }, { group: 'g-never', error: 'GROUP_ID_NOT_FOUND', partitions: [] }],
  });
  await admin.disconnect();

  Object.assign(expected, {
    partitions: { orders: 4, events: 3 },
    lowWatermarks: { orders: { 0: '4', 1: '0' }, events: { 2: '7', 1: '0' } },
    configs: {
      orders: { 'retention.ms': '86400000', 'compression.type': 'lz4' },
      // AlterConfigs replaces the whole set: retention.bytes returned to its default.
      events: { 'compression.type': 'gzip', 'max.message.bytes': '200000', 'retention.bytes': '-1' },
    },
    groupsGone: ['g-drop', 'g-librdkafka'],
  });
  await verify(kafka, broker.address, expected, 'before the kill');

  // ---- kill -9, a new broker on the same bucket ----
  await broker.kill9();
  broker = await startBroker();
  kafka = kafkaClient(broker.address, 'e2e-admin-after');
  await verify(kafka, broker.address, expected, 'after kill -9 and a restart');
  // The group read again from the start kept its place across the restart; its offset of partition 1 was deleted.
  const after = kafka.admin();
  await after.connect();
  const offsets = (await after.fetchOffsets({ groupId: 'g-reset', topics: ['orders'] }))[0]!.partitions;
  expect(Object.fromEntries(offsets.map((p) => [p.partition, p.offset]))).toMatchObject({ 0: '10', 1: '-1' });
  await after.disconnect();
  // The records below the log starts stay gone for every client.
  expect((await kcatConsumeAll(broker.address, 'events')).filter((r) => r.partition === 2).map((r) => r.offset)).toEqual([7n, 8n, 9n]);
  expect(await broker.stop()).toBe(0);
}
