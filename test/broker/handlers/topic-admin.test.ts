/**
 * The topic admin APIs over the wire with sluice's own client: CreatePartitions, DeleteRecords,
 * AlterConfigs, IncrementalAlterConfigs, ListOffsets max_timestamp and DescribeCluster. Each bad
 * request gets its Kafka code and changes nothing; every change survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { manifestOps } from '../../helpers/manifest-ops.js';
import { createTopic, fetchOnce, produce } from '../smartmodules/record-path-helpers.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();
const batch = (values: string[], baseTimestamp = 1000n, timestamps?: bigint[]) =>
  buildRecordBatch(values.map((v, i) => ({ key: null, value: enc.encode(v), timestampMs: timestamps?.[i] })), { baseTimestamp });

beforeAll(async () => {
  t = await startTestBroker({ defaultPartitions: 1 });
  c = await t.client();
});
afterAll(async () => {
  await t?.stop();
});

const grow = async (name: string, count: number, o: { validateOnly?: boolean; assignments?: { brokerIds: number[] }[] | null } = {}, version = 1) =>
  (await c.request(ApiKey.CreatePartitions, version, { topics: [{ name, count, assignments: o.assignments ?? null }], timeoutMs: 5_000, validateOnly: o.validateOnly ?? false })).results[0]!;

const deleteRecords = async (name: string, partition: number, offset: bigint, version = 1) =>
  (await c.request(ApiKey.DeleteRecords, version, { topics: [{ name, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: 5_000 })).topics[0]!.partitions[0]!;

const listOffset = async (name: string, partition: number, timestamp: bigint, version = 7) =>
  (await c.request(ApiKey.ListOffsets, version, { replicaId: -1, isolationLevel: 0, topics: [{ name, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }] })).topics[0]!.partitions[0]!;

const partitionsOf = async (name: string) => {
  const res = await c.request(ApiKey.Metadata, 8, { topics: [{ name }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  return res.topics[0]!.partitions.length;
};

const configsOf = async (name: string) => {
  const res = await c.request(ApiKey.DescribeConfigs, 2, { resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }], includeSynonyms: false });
  return Object.fromEntries(res.results[0]!.configs.map((x) => [x.name, x.value]));
};

const alter = async (name: string, configs: { name: string; value: string | null }[], validateOnly = false, resourceType = 2) =>
  (await c.request(ApiKey.AlterConfigs, 1, { resources: [{ resourceType, resourceName: name, configs }], validateOnly })).responses[0]!;

const alterIncremental = async (name: string, configs: { name: string; configOperation: number; value: string | null }[], version = 1, validateOnly = false) =>
  (await c.request(ApiKey.IncrementalAlterConfigs, version, { resources: [{ resourceType: 2, resourceName: name, configs }], validateOnly })).responses[0]!;

async function attachView(name: string, source: string): Promise<void> {
  await t.broker.log.attach({ name, kind: 'view', source, module: { name: 'm', id: '0'.repeat(64), kind: 'filter' }, params: {}, onError: 'skip' });
}

describe('CreatePartitions', () => {
  it.each([0, 1])('v%i grows a topic, leaving its partitions and their offsets as they were', async (v) => {
    const name = `grow-${v}`;
    await createTopic(c, name, 2);
    await produce(c, name, 0, batch(['a', 'b']));
    await produce(c, name, 1, batch(['c']));
    expect(await grow(name, 4, {}, v)).toEqual({ name, errorCode: ErrorCode.NONE, errorMessage: null });
    expect(await partitionsOf(name)).toBe(4);
    expect([(await fetchOnce(c, name, 0, 0n)).records.map((r) => r.value), (await fetchOnce(c, name, 1, 0n)).highWatermark]).toEqual([['a', 'b'], 1n]);
    expect((await fetchOnce(c, name, 3, 0n)).highWatermark).toBe(0n);
    expect((await produce(c, name, 3, batch(['new']))).baseOffset).toBe(0n);
  });

  it('refuses to shrink or stay, and every other bad request, changing nothing', async () => {
    await createTopic(c, 'fixed', 3);
    await attachView('fixed-view', 'fixed');
    const cases: [Promise<{ errorCode: number; errorMessage: string | null }>, number, RegExp][] = [
      [grow('fixed', 2), ErrorCode.INVALID_PARTITIONS, /has 3 partition\(s\); the count can only grow/],
      [grow('fixed', 3), ErrorCode.INVALID_PARTITIONS, /can only grow/],
      [grow('fixed', 5000), ErrorCode.INVALID_PARTITIONS, /at most 1024/],
      [grow('fixed', 5, { assignments: [{ brokerIds: [1] }] }), ErrorCode.INVALID_REPLICA_ASSIGNMENT, /1 assignment\(s\) for 2 new partition/],
      [grow('fixed', 4, { assignments: [{ brokerIds: [9] }] }), ErrorCode.INVALID_REPLICA_ASSIGNMENT, /the only broker is 1/],
      [grow('fixed-view', 6), ErrorCode.INVALID_TOPIC_EXCEPTION, /fixed-view is a view of fixed: .*grow fixed/],
      [grow('ghost', 2), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /unknown topic ghost/],
    ];
    for (const [res, code, message] of cases) expect(await res).toMatchObject({ errorCode: code, errorMessage: expect.stringMatching(message) });
    const twice = await c.request(ApiKey.CreatePartitions, 1, { topics: [{ name: 'fixed', count: 4, assignments: null }, { name: 'fixed', count: 5, assignments: null }], timeoutMs: 5_000, validateOnly: false });
    expect(twice.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    expect(await grow('fixed', 6, { validateOnly: true })).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionsOf('fixed')).toBe(3);
    expect(await topicOps('fixed')).toEqual([]);
  });

  it('grows the views of a topic with it: a view has its source topic’s partitions', async () => {
    await createTopic(c, 'src', 1);
    await attachView('src-view', 'src');
    expect(await grow('src', 3, { assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] })).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await partitionsOf('src-view')).toBe(3);
  });
});

/** The manifest operations that changed a topic after its creation. */
async function topicOps(name: string): Promise<string[]> {
  return (await manifestOps(t.dir)).filter((op) => 'topic' in op && op.topic === name && op.op !== 'createTopic').map((op) => op.op);
}

describe('DeleteRecords', () => {
  it('moves the log start: fetches below it are out of range, ListOffsets earliest follows', async () => {
    await createTopic(c, 'trim', 1);
    for (let i = 0; i < 5; i++) await produce(c, 'trim', 0, batch([`r${i}`]));
    expect(await deleteRecords('trim', 0, 3n, 0)).toEqual({ partitionIndex: 0, lowWatermark: 3n, errorCode: ErrorCode.NONE });
    expect((await fetchOnce(c, 'trim', 0, 1n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetchOnce(c, 'trim', 0, 3n)).records.map((r) => r.value)).toEqual(['r3', 'r4']);
    expect((await listOffset('trim', 0, -2n, 5)).offset).toBe(3n);
    // Below the log start changes nothing; -1 means the high watermark.
    expect((await deleteRecords('trim', 0, 1n)).lowWatermark).toBe(3n);
    expect(await deleteRecords('trim', 0, -1n)).toEqual({ partitionIndex: 0, lowWatermark: 5n, errorCode: ErrorCode.NONE });
  });

  it('answers OFFSET_OUT_OF_RANGE past the high watermark, and refuses views, leaving the log start', async () => {
    await createTopic(c, 'keep', 2);
    await produce(c, 'keep', 0, batch(['a', 'b']));
    await attachView('keep-view', 'keep');
    expect(await deleteRecords('keep', 0, 3n)).toEqual({ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect((await deleteRecords('keep', 0, -7n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await deleteRecords('keep', 5, 0n)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await deleteRecords('keep-view', 0, 1n)).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect((await deleteRecords('ghost', 0, 0n)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await listOffset('keep', 0, -2n)).offset).toBe(0n);
    expect(await topicOps('keep')).toEqual([]);
  });
});

describe('AlterConfigs and IncrementalAlterConfigs', () => {
  it('AlterConfigs replaces the whole set: configs not named return to their defaults', async () => {
    await createTopic(c, 'cfg', 1);
    expect(await alter('cfg', [{ name: 'retention.ms', value: '60000' }, { name: 'compression.type', value: 'lz4' }])).toMatchObject({ errorCode: ErrorCode.NONE, resourceName: 'cfg' });
    expect(await configsOf('cfg')).toMatchObject({ 'retention.ms': '60000', 'compression.type': 'lz4' });
    expect(await alter('cfg', [{ name: 'max.message.bytes', value: '5000' }])).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await configsOf('cfg')).toMatchObject({ 'retention.ms': '604800000', 'compression.type': 'producer', 'max.message.bytes': '5000' });
  });

  it.each([0, 1])('IncrementalAlterConfigs v%i sets and deletes one config at a time', async (v) => {
    const name = `inc-${v}`;
    await createTopic(c, name, 1);
    expect(await alterIncremental(name, [{ name: 'retention.ms', configOperation: 0, value: '1000' }, { name: 'max.message.bytes', configOperation: 0, value: '300' }], v)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await alterIncremental(name, [{ name: 'compression.type', configOperation: 0, value: 'zstd' }, { name: 'retention.ms', configOperation: 1, value: null }], v)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await configsOf(name)).toMatchObject({ 'retention.ms': '604800000', 'max.message.bytes': '300', 'compression.type': 'zstd' });
    // The new limit holds at once.
    expect((await produce(c, name, 0, batch(['x'.repeat(400)]))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('refuses a bad value with INVALID_CONFIG and the reason, and changes nothing of the request', async () => {
    await createTopic(c, 'strict', 1);
    const before = await configsOf('strict');
    const cases: [Promise<{ errorCode: number; errorMessage: string | null }>, number, RegExp][] = [
      [alter('strict', [{ name: 'retention.ms', value: 'soon' }, { name: 'max.message.bytes', value: '10' }]), ErrorCode.INVALID_CONFIG, /retention\.ms: expected an integer/],
      [alter('strict', [{ name: 'compression.type', value: 'brotli' }]), ErrorCode.INVALID_CONFIG, /compression\.type: expected one of producer, uncompressed, gzip, snappy, lz4, zstd/],
      [alter('strict', [{ name: 'segment.bytes', value: '1' }]), ErrorCode.INVALID_CONFIG, /unknown topic config segment\.bytes/],
      [alter('strict', [{ name: 'cleanup.policy', value: 'compact' }]), ErrorCode.INVALID_CONFIG, /only delete/],
      [alterIncremental('strict', [{ name: 'max.message.bytes', configOperation: 0, value: '10' }, { name: 'retention.bytes', configOperation: 0, value: '-2' }]), ErrorCode.INVALID_CONFIG, /retention\.bytes: expected an integer from -1/],
      [alterIncremental('strict', [{ name: 'retention.ms', configOperation: 2, value: '5' }]), ErrorCode.INVALID_CONFIG, /not a list/],
      [alterIncremental('strict', [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }]), ErrorCode.INVALID_CONFIG, /cleanup\.policy= is not supported/],
      [alterIncremental('strict', [{ name: 'retention.ms', configOperation: 9, value: '5' }]), ErrorCode.INVALID_REQUEST, /unknown config operation 9/],
      [alterIncremental('strict', [{ name: 'retention.ms', configOperation: 0, value: '5' }, { name: 'retention.ms', configOperation: 1, value: null }]), ErrorCode.INVALID_REQUEST, /named more than once/],
      [alter('1', [{ name: 'log.retention.ms', value: '5' }], false, 4), ErrorCode.INVALID_REQUEST, /broker configs are static/],
      [alter('ghost', [{ name: 'retention.ms', value: '5' }]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /unknown topic ghost/],
    ];
    for (const [res, code, message] of cases) expect(await res).toMatchObject({ errorCode: code, errorMessage: expect.stringMatching(message) });
    // validate_only checks everything and changes nothing.
    expect(await alter('strict', [{ name: 'retention.ms', value: '5' }], true)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await alterIncremental('strict', [{ name: 'retention.ms', configOperation: 0, value: '5' }], 1, true)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await alterIncremental('strict', [{ name: 'cleanup.policy', configOperation: 2, value: 'delete' }], 1, true)).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(await configsOf('strict')).toEqual(before);
    expect(await topicOps('strict')).toEqual([]);
  });

  it('refuses to alter a view: it has no configs of its own', async () => {
    await createTopic(c, 'viewed', 1);
    await attachView('a-view-of-viewed', 'viewed');
    expect(await alter('a-view-of-viewed', [{ name: 'retention.ms', value: '5' }])).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: expect.stringMatching(/view of viewed: .*alter viewed/) });
    expect(await alterIncremental('a-view-of-viewed', [{ name: 'retention.ms', configOperation: 0, value: '5' }])).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
  });
});

describe('ListOffsets max_timestamp and DescribeCluster', () => {
  it('v7 answers -3 with the first record of the largest timestamp, past the log start', async () => {
    await createTopic(c, 'times', 1);
    expect(await listOffset('times', 0, -3n)).toMatchObject({ errorCode: ErrorCode.NONE, offset: -1n, timestamp: -1n });
    await produce(c, 'times', 0, batch(['a', 'b', 'c'], 100n, [100n, 900n, 300n]));
    await produce(c, 'times', 0, batch(['d', 'e'], 900n, [900n, 500n]));
    await produce(c, 'times', 0, batch(['f'], 50n));
    expect(await listOffset('times', 0, -3n)).toMatchObject({ errorCode: ErrorCode.NONE, offset: 1n, timestamp: 900n });
    expect(await listOffset('times', 0, -3n, 6)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    await deleteRecords('times', 0, 2n);
    expect(await listOffset('times', 0, -3n)).toMatchObject({ offset: 3n, timestamp: 900n });
    await deleteRecords('times', 0, 4n);
    expect(await listOffset('times', 0, -3n)).toMatchObject({ offset: 4n, timestamp: 500n });
  });

  it('DescribeCluster names this broker as the cluster and its controller', async () => {
    const res = await c.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: true });
    expect(res).toMatchObject({ errorCode: ErrorCode.NONE, clusterId: 'sluice', controllerId: 1, brokers: [{ brokerId: 1, host: '127.0.0.1', port: t.broker.port, rack: null }] });
  });
});

describe('after a restart on the same bucket', () => {
  it('has every change: partitions, configs and log starts', async () => {
    await t.restart();
    c = await t.client();
    expect(await partitionsOf('grow-1')).toBe(4);
    expect(await partitionsOf('src-view')).toBe(3);
    expect((await fetchOnce(c, 'trim', 0, 4n)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await listOffset('trim', 0, -2n)).offset).toBe(5n);
    expect(await configsOf('inc-1')).toMatchObject({ 'max.message.bytes': '300', 'compression.type': 'zstd' });
    expect(await configsOf('cfg')).toMatchObject({ 'max.message.bytes': '5000', 'retention.ms': '604800000' });
  });
});
