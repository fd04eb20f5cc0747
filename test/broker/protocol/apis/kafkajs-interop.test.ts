/**
 * Cross-checks our codecs against kafkajs 2.2's own protocol code (node_modules/kafkajs/src/protocol):
 * requests encoded by kafkajs decode with ours to the last byte, and responses we encode decode with
 * kafkajs to the values we put in. Versions are every one both sides implement.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../../broker/protocol/api-keys.js';
import { CODECS, type ImplementedApiKey, type RequestOf, type ResponseOf } from '../../../../broker/protocol/apis/index.js';
import { buildRecordBatch, decodeRecords } from '../../../../broker/protocol/record-batch.js';
import { Reader } from '../../../../broker/protocol/reader.js';
import { Writer } from '../../../../broker/protocol/writer.js';

const require = createRequire(import.meta.url);
type KafkajsRequest = { apiVersion: number; encode: () => Promise<{ buffer: Buffer }> };
type KafkajsResponse = { decode: (raw: Buffer) => Promise<Record<string, unknown>> };
function kjsRequest(api: string, v: number, args: object): Promise<Buffer> {
  const make = require(`kafkajs/src/protocol/requests/${api}/v${v}/request`) as (a: object) => KafkajsRequest;
  const req = make(args);
  expect(req.apiVersion).toBe(v);
  return req.encode().then((e) => e.buffer);
}
// kafkajs internals are untyped JavaScript: its decoded objects are read as `any` here only.
function kjsDecode(api: string, v: number, body: Uint8Array): Promise<any> {
  const { decode } = require(`kafkajs/src/protocol/requests/${api}/v${v}/response`) as KafkajsResponse;
  return decode(Buffer.from(body));
}

async function ours<K extends ImplementedApiKey>(key: K, v: number, bytes: Buffer): Promise<RequestOf<K>> {
  const r = new Reader(new Uint8Array(bytes));
  const req = CODECS[key].decodeRequest(r, v);
  expect(r.remaining).toBe(0);
  return req;
}
function encodeOurs<K extends ImplementedApiKey>(key: K, v: number, res: ResponseOf<K>): Uint8Array {
  const w = new Writer();
  CODECS[key].encodeResponse(w, v, res);
  return w.toUint8Array().slice();
}
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString());

describe('kafkajs requests decode with our codecs', () => {
  it.each(range(3, 7))('Produce v%i', async (v) => {
    const bytes = await kjsRequest('produce', v, {
      acks: -1,
      timeout: 30000,
      topicData: [{ topic: 'orders', partitions: [{ partition: 2, messages: [{ key: 'k', value: 'v', timestamp: 1700000000000, headers: { h: 'x' } }] }] }],
    });
    const req = await ours(ApiKey.Produce, v, bytes);
    expect([req.acks, req.timeoutMs, req.transactionalId]).toEqual([-1, 30000, null]);
    expect(req.topicData[0]!.name).toBe('orders');
    const p = req.topicData[0]!.partitionData[0]!;
    expect(p.index).toBe(2);
    const [rec] = decodeRecords(p.records!);
    expect([text(rec!.key), text(rec!.value), rec!.timestampMs, rec!.headers[0]!.key, text(rec!.headers[0]!.value)]).toEqual([
      'k',
      'v',
      1700000000000n,
      'h',
      'x',
    ]);
  });

  it.each(range(4, 11))('Fetch v%i', async (v) => {
    const bytes = await kjsRequest('fetch', v, {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'r1',
      topics: [{ topic: 'orders', partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: '42', logStartOffset: '0', maxBytes: 65536 }] }],
    });
    const req = await ours(ApiKey.Fetch, v, bytes);
    expect([req.replicaId, req.maxWaitMs, req.minBytes, req.maxBytes, req.isolationLevel]).toEqual([-1, 500, 1, 1048576, 1]);
    expect(req.topics).toEqual([
      {
        topic: 'orders',
        partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 42n, logStartOffset: v >= 5 ? 0n : -1n, partitionMaxBytes: 65536 }],
      },
    ]);
    expect(req.rackId).toBe(v >= 11 ? 'r1' : '');
  });

  it.each(range(0, 6))('Metadata v%i', async (v) => {
    const req = await ours(ApiKey.Metadata, v, await kjsRequest('metadata', v, { topics: ['a', 'b'], allowAutoTopicCreation: false }));
    expect(req.topics).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(req.allowAutoTopicCreation).toBe(v >= 4 ? false : true);
  });

  it.each(range(0, 2))('ApiVersions v%i', async (v) => {
    await ours(ApiKey.ApiVersions, v, await kjsRequest('apiVersions', v, {}));
  });

  it.each(range(1, 3))('ListOffsets v%i', async (v) => {
    const bytes = await kjsRequest('listOffsets', v, {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -2 }] }],
    });
    const req = await ours(ApiKey.ListOffsets, v, bytes);
    expect(req.topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }]);
  });

  it.each(range(0, 5))('JoinGroup v%i', async (v) => {
    const bytes = await kjsRequest('joinGroup', v, {
      groupId: 'g',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([1, 2, 3]) }],
    });
    const req = await ours(ApiKey.JoinGroup, v, bytes);
    expect([req.groupId, req.sessionTimeoutMs, req.rebalanceTimeoutMs, req.protocolType]).toEqual(['g', 30000, v >= 1 ? 60000 : -1, 'consumer']);
    expect(req.protocols.map((p) => [p.name, [...p.metadata]])).toEqual([['RoundRobinAssigner', [1, 2, 3]]]);
  });

  it.each(range(0, 3))('SyncGroup v%i', async (v) => {
    const bytes = await kjsRequest('syncGroup', v, {
      groupId: 'g',
      generationId: 3,
      memberId: 'm',
      groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from([9]) }],
    });
    const req = await ours(ApiKey.SyncGroup, v, bytes);
    expect([req.groupId, req.generationId, req.memberId, req.assignments[0]!.memberId, [...req.assignments[0]!.assignment]]).toEqual([
      'g',
      3,
      'm',
      'm',
      [9],
    ]);
  });

  it.each(range(0, 3))('Heartbeat v%i', async (v) => {
    const req = await ours(ApiKey.Heartbeat, v, await kjsRequest('heartbeat', v, { groupId: 'g', groupGenerationId: 4, memberId: 'm', groupInstanceId: null }));
    expect([req.groupId, req.generationId, req.memberId]).toEqual(['g', 4, 'm']);
  });

  it.each(range(0, 3))('LeaveGroup v%i', async (v) => {
    const req = await ours(ApiKey.LeaveGroup, v, await kjsRequest('leaveGroup', v, { groupId: 'g', memberId: 'm', members: [{ memberId: 'm', groupInstanceId: null }] }));
    expect(req.groupId).toBe('g');
    if (v <= 2) expect(req.memberId).toBe('m');
    else expect(req.members).toEqual([{ memberId: 'm', groupInstanceId: null }]);
  });

  it.each(range(2, 5))('OffsetCommit v%i', async (v) => {
    const bytes = await kjsRequest('offsetCommit', v, {
      groupId: 'g',
      groupGenerationId: 2,
      memberId: 'm',
      retentionTime: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: '17', metadata: null }] }],
    });
    const req = await ours(ApiKey.OffsetCommit, v, bytes);
    expect(req.topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: -1, committedMetadata: null }] }]);
  });

  it.each(range(1, 4))('OffsetFetch v%i', async (v) => {
    const req = await ours(ApiKey.OffsetFetch, v, await kjsRequest('offsetFetch', v, { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }, { partition: 3 }] }] }));
    expect(req).toEqual({ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 3] }] });
  });

  it.each(range(0, 2))('FindCoordinator v%i', async (v) => {
    const req = await ours(ApiKey.FindCoordinator, v, await kjsRequest('findCoordinator', v, { groupId: 'g', coordinatorKey: 'g', coordinatorType: 0 }));
    expect(req).toEqual({ key: 'g', keyType: 0 });
  });

  it.each(range(0, 3))('CreateTopics v%i', async (v) => {
    const bytes = await kjsRequest('createTopics', v, {
      timeout: 5000,
      validateOnly: false,
      topics: [{ topic: 'n', numPartitions: 6, replicationFactor: 1, replicaAssignment: [], configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    const req = await ours(ApiKey.CreateTopics, v, bytes);
    expect(req.topics).toEqual([{ name: 'n', numPartitions: 6, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }]);
    expect(req.timeoutMs).toBe(5000);
  });

  it.each(range(0, 1))('DeleteTopics v%i', async (v) => {
    expect(await ours(ApiKey.DeleteTopics, v, await kjsRequest('deleteTopics', v, { topics: ['x', 'y'], timeout: 100 }))).toEqual({
      topicNames: ['x', 'y'],
      timeoutMs: 100,
    });
  });

  it.each(range(0, 1))('InitProducerId v%i', async (v) => {
    expect(await ours(ApiKey.InitProducerId, v, await kjsRequest('initProducerId', v, { transactionalId: null, transactionTimeout: 5000 }))).toEqual({
      transactionalId: null,
      transactionTimeoutMs: 5000,
    });
  });

  it.each(range(0, 2))('DescribeConfigs v%i', async (v) => {
    const req = await ours(
      ApiKey.DescribeConfigs,
      v,
      await kjsRequest('describeConfigs', v, { resources: [{ type: 2, name: 't', configNames: ['retention.ms'] }], includeSynonyms: false }),
    );
    expect(req.resources).toEqual([{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] }]);
  });

  it.each(range(0, 2))('DescribeGroups v%i', async (v) => {
    expect((await ours(ApiKey.DescribeGroups, v, await kjsRequest('describeGroups', v, { groupIds: ['g1', 'g2'] }))).groups).toEqual(['g1', 'g2']);
  });

  it.each(range(0, 2))('ListGroups v%i', async (v) => {
    await ours(ApiKey.ListGroups, v, await kjsRequest('listGroups', v, {}));
  });

  it.each(range(0, 1))('CreatePartitions v%i (no assignments is a null array)', async (v) => {
    const req = await ours(ApiKey.CreatePartitions, v, await kjsRequest('createPartitions', v, { topicPartitions: [{ topic: 't', count: 4 }, { topic: 'u', count: 3, assignments: [[1], [1]] }], timeout: 3000, validateOnly: true }));
    expect(req).toEqual({ topics: [{ name: 't', count: 4, assignments: null }, { name: 'u', count: 3, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }], timeoutMs: 3000, validateOnly: true });
  });

  it.each(range(0, 1))('DeleteRecords v%i', async (v) => {
    const req = await ours(ApiKey.DeleteRecords, v, await kjsRequest('deleteRecords', v, { topics: [{ topic: 't', partitions: [{ partition: 1, offset: '7' }, { partition: 2, offset: '-1' }] }], timeout: 3000 }));
    expect(req).toEqual({ topics: [{ name: 't', partitions: [{ partitionIndex: 1, offset: 7n }, { partitionIndex: 2, offset: -1n }] }], timeoutMs: 3000 });
  });

  it.each(range(0, 1))('AlterConfigs v%i', async (v) => {
    const req = await ours(ApiKey.AlterConfigs, v, await kjsRequest('alterConfigs', v, { resources: [{ type: 2, name: 't', configEntries: [{ name: 'retention.ms', value: '5' }] }], validateOnly: false }));
    expect(req).toEqual({ resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '5' }] }], validateOnly: false });
  });

  it.each(range(0, 1))('DeleteGroups v%i', async (v) => {
    expect(await ours(ApiKey.DeleteGroups, v, await kjsRequest('deleteGroups', v, ['g1', 'g2']))).toEqual({ groupsNames: ['g1', 'g2'] });
  });
});

describe('our responses decode with kafkajs', () => {
  it.each(range(3, 7))('Produce v%i', async (v) => {
    const body = encodeOurs(ApiKey.Produce, v, {
      responses: [
        {
          name: 'orders',
          partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 123n, logAppendTimeMs: -1n, logStartOffset: 5n, recordErrors: [], errorMessage: null }],
        },
      ],
      throttleTimeMs: 7,
    });
    const d = await kjsDecode('produce', v, body);
    expect(d.topics[0].topicName).toBe('orders');
    expect(d.topics[0].partitions[0]).toMatchObject({ partition: 2, errorCode: 0, baseOffset: '123', logAppendTime: '-1' });
    if (v >= 5) expect(d.topics[0].partitions[0].logStartOffset).toBe('5');
    expect(d.clientSideThrottleTime ?? d.throttleTime).toBe(7);
  });

  it.each(range(4, 11))('Fetch v%i with a real batch', async (v) => {
    const records = buildRecordBatch([{ key: new TextEncoder().encode('k'), value: new TextEncoder().encode('hello'), timestampMs: 1700000000000n }], {
      baseOffset: 10n,
    });
    const body = encodeOurs(ApiKey.Fetch, v, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            {
              partitionIndex: 1,
              errorCode: 0,
              highWatermark: 11n,
              lastStableOffset: 11n,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records,
            },
          ],
        },
      ],
    });
    const d = await kjsDecode('fetch', v, body);
    const p = d.responses[0].partitions[0];
    expect([d.responses[0].topicName, p.partition, p.errorCode, p.highWatermark]).toEqual(['orders', 1, 0, '11']);
    expect(p.messages.map((m: any) => [m.offset, m.key.toString(), m.value.toString(), m.timestamp])).toEqual([['10', 'k', 'hello', '1700000000000']]);
  });

  it.each(range(0, 6))('Metadata v%i', async (v) => {
    const body = encodeOurs(ApiKey.Metadata, v, {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
          topicAuthorizedOperations: -2147483648,
        },
      ],
      clusterAuthorizedOperations: -2147483648,
    });
    const d = await kjsDecode('metadata', v, body);
    expect(d.brokers).toEqual([expect.objectContaining({ nodeId: 1, host: '127.0.0.1', port: 9092 })]);
    expect(d.topicMetadata[0]).toMatchObject({ topic: 'orders', topicErrorCode: 0 });
    expect(d.topicMetadata[0].partitionMetadata[0]).toMatchObject({ partitionId: 0, leader: 1, replicas: [1], isr: [1] });
  });

  it.each(range(0, 2))('ApiVersions v%i', async (v) => {
    const body = encodeOurs(ApiKey.ApiVersions, v, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 7 }], throttleTimeMs: 3 });
    const d = await kjsDecode('apiVersions', v, body);
    expect(d.apiVersions).toEqual([{ apiKey: 0, minVersion: 0, maxVersion: 7 }]);
    if (v >= 1) expect(d.clientSideThrottleTime ?? d.throttleTime).toBe(3);
  });

  it.each(range(1, 3))('ListOffsets v%i', async (v) => {
    const body = encodeOurs(ApiKey.ListOffsets, v, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 99n, leaderEpoch: -1 }] }],
    });
    const d = await kjsDecode('listOffsets', v, body);
    expect(d.responses[0].topic).toBe('t');
    expect(d.responses[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, offset: '99' });
  });

  it.each(range(0, 5))('JoinGroup v%i', async (v) => {
    const body = encodeOurs(ApiKey.JoinGroup, v, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 5,
      protocolName: 'RoundRobinAssigner',
      leader: 'm1',
      memberId: 'm1',
      members: [{ memberId: 'm1', groupInstanceId: null, metadata: Uint8Array.from([1, 2]) }],
    });
    const d = await kjsDecode('joinGroup', v, body);
    expect(d).toMatchObject({ generationId: 5, groupProtocol: 'RoundRobinAssigner', leaderId: 'm1', memberId: 'm1' });
    expect(d.members.map((m: any) => [m.memberId, [...m.memberMetadata]])).toEqual([['m1', [1, 2]]]);
  });

  it.each(range(0, 3))('SyncGroup v%i', async (v) => {
    const d = await kjsDecode('syncGroup', v, encodeOurs(ApiKey.SyncGroup, v, { throttleTimeMs: 0, errorCode: 0, assignment: Uint8Array.from([7, 8]) }));
    expect([d.errorCode, [...d.memberAssignment]]).toEqual([0, [7, 8]]);
  });

  it.each(range(1, 4))('OffsetFetch v%i', async (v) => {
    const body = encodeOurs(ApiKey.OffsetFetch, v, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }] }],
      errorCode: 0,
    });
    const d = await kjsDecode('offsetFetch', v, body);
    expect(d.responses[0].topic).toBe('t');
    expect(d.responses[0].partitions[0]).toMatchObject({ partition: 0, offset: '17', errorCode: 0 });
  });

  it.each(range(0, 2))('FindCoordinator v%i', async (v) => {
    const body = encodeOurs(ApiKey.FindCoordinator, v, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: 'h', port: 9 });
    const d = await kjsDecode('findCoordinator', v, body);
    expect(d.coordinator).toEqual({ nodeId: 1, host: 'h', port: 9 });
  });

  it.each(range(0, 3))('CreateTopics v%i', async (v) => {
    const d = await kjsDecode('createTopics', v, encodeOurs(ApiKey.CreateTopics, v, { throttleTimeMs: 0, topics: [{ name: 'n', errorCode: 0, errorMessage: null }] }));
    expect(d.topicErrors).toEqual([expect.objectContaining({ topic: 'n', errorCode: 0 })]);
  });

  it.each(range(0, 1))('DeleteTopics v%i', async (v) => {
    const d = await kjsDecode('deleteTopics', v, encodeOurs(ApiKey.DeleteTopics, v, { throttleTimeMs: 0, responses: [{ name: 'x', errorCode: 0 }] }));
    expect(d.topicErrors).toEqual([{ topic: 'x', errorCode: 0 }]);
  });

  it.each(range(0, 1))('InitProducerId v%i', async (v) => {
    const d = await kjsDecode('initProducerId', v, encodeOurs(ApiKey.InitProducerId, v, { throttleTimeMs: 0, errorCode: 0, producerId: 1234n, producerEpoch: 2 }));
    expect([d.producerId, d.producerEpoch]).toEqual(['1234', 2]);
  });

  it.each(range(0, 2))('DescribeConfigs v%i', async (v) => {
    const body = encodeOurs(ApiKey.DescribeConfigs, v, {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 't',
          configs: [{ name: 'retention.ms', value: '1000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: [] }],
        },
      ],
    });
    const d = await kjsDecode('describeConfigs', v, body);
    expect(d.resources[0]).toMatchObject({ resourceType: 2, resourceName: 't' });
    expect(d.resources[0].configEntries[0]).toMatchObject({ configName: 'retention.ms', configValue: '1000', readOnly: false, isDefault: false, isSensitive: false });
  });

  it.each(range(0, 2))('DescribeGroups v%i', async (v) => {
    const body = encodeOurs(ApiKey.DescribeGroups, v, {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'RoundRobinAssigner',
          members: [
            { memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', memberMetadata: Uint8Array.from([1]), memberAssignment: Uint8Array.from([2]) },
          ],
          authorizedOperations: -2147483648,
        },
      ],
    });
    const d = await kjsDecode('describeGroups', v, body);
    expect(d.groups[0]).toMatchObject({ groupId: 'g', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(d.groups[0].members[0]).toMatchObject({ memberId: 'm', clientId: 'c', clientHost: '/127.0.0.1' });
  });

  it.each(range(0, 2))('ListGroups v%i', async (v) => {
    const d = await kjsDecode('listGroups', v, encodeOurs(ApiKey.ListGroups, v, { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: 'g', protocolType: 'consumer' }] }));
    expect(d.groups).toEqual([{ groupId: 'g', protocolType: 'consumer' }]);
  });

  it.each(range(0, 1))('CreatePartitions, DeleteRecords, AlterConfigs and DeleteGroups v%i', async (v) => {
    const cp = await kjsDecode('createPartitions', v, encodeOurs(ApiKey.CreatePartitions, v, { throttleTimeMs: 0, results: [{ name: 't', errorCode: 37, errorMessage: 'shrink' }] }));
    expect(cp.topicErrors).toEqual([{ topic: 't', errorCode: 37, errorMessage: 'shrink' }]);
    // kafkajs builds its DeleteRecords decoder around the request's topics.
    const deleteRecords = require(`kafkajs/src/protocol/requests/deleteRecords/v${v}/response`) as (t: object) => KafkajsResponse;
    const dr = await deleteRecords({ topics: [] }).decode(
      Buffer.from(encodeOurs(ApiKey.DeleteRecords, v, { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 1, lowWatermark: 9n, errorCode: 0 }] }] })),
    );
    expect(dr.topics).toEqual([{ topic: 't', partitions: [{ partition: 1, lowWatermark: 9n, errorCode: 0 }] }]);
    const ac = await kjsDecode('alterConfigs', v, encodeOurs(ApiKey.AlterConfigs, v, { throttleTimeMs: 0, responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }] }));
    expect(ac.resources).toEqual([{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }]);
    const dg = await kjsDecode('deleteGroups', v, encodeOurs(ApiKey.DeleteGroups, v, { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 68 }] }));
    expect(dg.results).toEqual([expect.objectContaining({ groupId: 'g', errorCode: 68 })]);
  });

  it.each(range(0, 3))('Heartbeat and LeaveGroup v%i', async (v) => {
    expect((await kjsDecode('heartbeat', v, encodeOurs(ApiKey.Heartbeat, v, { throttleTimeMs: 0, errorCode: 0 }))).errorCode).toBe(0);
    const leave = await kjsDecode('leaveGroup', v, encodeOurs(ApiKey.LeaveGroup, v, { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }] }));
    expect(leave.errorCode).toBe(0);
    if (v >= 3) expect(leave.members).toEqual([expect.objectContaining({ memberId: 'm', errorCode: 0 })]);
  });
});
