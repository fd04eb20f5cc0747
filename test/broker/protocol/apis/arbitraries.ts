/**
 * fast-check arbitraries for every request and response, per version: fields that a version
 * does not carry are generated as the default its decoder yields, so decode(encode(x)) equals x.
 */
import fc from 'fast-check';
import { ApiKey } from '../../../../broker/protocol/api-keys.js';
import type { ImplementedApiKey, RequestOf, ResponseOf } from '../../../../broker/protocol/apis/index.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../../../broker/protocol/apis/version-check.js';
import { ConfigSource } from '../../../../broker/protocol/apis/describe-configs.js';

const i8 = fc.integer({ min: -128, max: 127 });
const i16 = fc.integer({ min: -32768, max: 32767 });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const str = fc.string({ unit: 'grapheme', maxLength: 12 });
const nstr = fc.option(str, { nil: null });
const bytes = fc.uint8Array({ maxLength: 40 });
const nbytes = fc.option(bytes, { nil: null });
const bool = fc.boolean();
function arr<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.array(a, { maxLength: 3 });
}
function narr<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[] | null> {
  return fc.option(arr(a), { nil: null });
}
/** The arbitrary when the version carries the field, else the decoder's default. */
function when<T>(present: boolean, a: fc.Arbitrary<T>, absent: T): fc.Arbitrary<T> {
  return present ? a : fc.constant(absent);
}

type Arbs = {
  [K in ImplementedApiKey]: {
    request: (v: number) => fc.Arbitrary<RequestOf<K>>;
    response: (v: number) => fc.Arbitrary<ResponseOf<K>>;
  };
};

export const ARBITRARIES: Arbs = {
  [ApiKey.ApiVersions]: {
    request: (v) => fc.record({ clientSoftwareName: when(v >= 3, str, ''), clientSoftwareVersion: when(v >= 3, str, '') }),
    response: (v) =>
      fc.record({
        errorCode: i16,
        apiKeys: arr(fc.record({ apiKey: i16, minVersion: i16, maxVersion: i16 })),
        throttleTimeMs: when(v >= 1, i32, 0),
      }),
  },
  [ApiKey.Metadata]: {
    request: (v) =>
      fc.record({
        topics: v === 0 ? fc.option(fc.array(fc.record({ name: str }), { minLength: 1, maxLength: 3 }), { nil: null }) : narr(fc.record({ name: str })),
        allowAutoTopicCreation: when(v >= 4, bool, true),
        includeClusterAuthorizedOperations: when(v >= 8, bool, false),
        includeTopicAuthorizedOperations: when(v >= 8, bool, false),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 3, i32, 0),
        brokers: arr(fc.record({ nodeId: i32, host: str, port: i32, rack: when(v >= 1, nstr, null) })),
        clusterId: when(v >= 2, nstr, null),
        controllerId: when(v >= 1, i32, -1),
        topics: arr(
          fc.record({
            errorCode: i16,
            name: str,
            isInternal: when(v >= 1, bool, false),
            partitions: arr(
              fc.record({
                errorCode: i16,
                partitionIndex: i32,
                leaderId: i32,
                leaderEpoch: when(v >= 7, i32, -1),
                replicaNodes: arr(i32),
                isrNodes: arr(i32),
                offlineReplicas: when(v >= 5, arr(i32), []),
              }),
            ),
            topicAuthorizedOperations: when(v >= 8, i32, AUTHORIZED_OPERATIONS_OMITTED),
          }),
        ),
        clusterAuthorizedOperations: when(v >= 8, i32, AUTHORIZED_OPERATIONS_OMITTED),
      }),
  },
  [ApiKey.Produce]: {
    request: (v) =>
      fc.record({
        transactionalId: when(v >= 3, nstr, null),
        acks: i16,
        timeoutMs: i32,
        topicData: arr(fc.record({ name: str, partitionData: arr(fc.record({ index: i32, records: nbytes })) })),
      }),
    response: (v) =>
      fc.record({
        responses: arr(
          fc.record({
            name: str,
            partitionResponses: arr(
              fc.record({
                index: i32,
                errorCode: i16,
                baseOffset: i64,
                logAppendTimeMs: when(v >= 2, i64, -1n),
                logStartOffset: when(v >= 5, i64, -1n),
                recordErrors: fc.constant([]),
                errorMessage: fc.constant(null),
              }),
            ),
          }),
        ),
        throttleTimeMs: when(v >= 1, i32, 0),
      }),
  },
  [ApiKey.Fetch]: {
    request: (v) =>
      fc.record({
        replicaId: i32,
        maxWaitMs: i32,
        minBytes: i32,
        maxBytes: i32,
        isolationLevel: i8,
        sessionId: when(v >= 7, i32, 0),
        sessionEpoch: when(v >= 7, i32, -1),
        topics: arr(
          fc.record({
            topic: str,
            partitions: arr(
              fc.record({
                partition: i32,
                currentLeaderEpoch: when(v >= 9, i32, -1),
                fetchOffset: i64,
                logStartOffset: when(v >= 5, i64, -1n),
                partitionMaxBytes: i32,
              }),
            ),
          }),
        ),
        forgottenTopicsData: when(v >= 7, arr(fc.record({ topic: str, partitions: arr(i32) })), []),
        rackId: when(v >= 11, str, ''),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: i32,
        errorCode: when(v >= 7, i16, 0),
        sessionId: when(v >= 7, i32, 0),
        responses: arr(
          fc.record({
            topic: str,
            partitions: arr(
              fc.record({
                partitionIndex: i32,
                errorCode: i16,
                highWatermark: i64,
                lastStableOffset: i64,
                logStartOffset: when(v >= 5, i64, -1n),
                abortedTransactions: narr(fc.record({ producerId: i64, firstOffset: i64 })),
                preferredReadReplica: when(v >= 11, i32, -1),
                records: nbytes,
              }),
            ),
          }),
        ),
      }),
  },
  [ApiKey.ListOffsets]: {
    request: (v) =>
      fc.record({
        replicaId: i32,
        isolationLevel: when(v >= 2, i8, 0),
        topics: arr(
          fc.record({
            name: str,
            partitions: arr(fc.record({ partitionIndex: i32, currentLeaderEpoch: when(v >= 4, i32, -1), timestamp: i64 })),
          }),
        ),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 2, i32, 0),
        topics: arr(
          fc.record({
            name: str,
            partitions: arr(
              fc.record({ partitionIndex: i32, errorCode: i16, timestamp: i64, offset: i64, leaderEpoch: when(v >= 4, i32, -1) }),
            ),
          }),
        ),
      }),
  },
  [ApiKey.OffsetCommit]: {
    request: (v) =>
      fc.record({
        groupId: str,
        generationId: i32,
        memberId: str,
        groupInstanceId: when(v >= 7, nstr, null),
        retentionTimeMs: when(v <= 4, i64, -1n),
        topics: arr(
          fc.record({
            name: str,
            partitions: arr(
              fc.record({
                partitionIndex: i32,
                committedOffset: i64,
                committedLeaderEpoch: when(v >= 6, i32, -1),
                committedMetadata: nstr,
              }),
            ),
          }),
        ),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 3, i32, 0),
        topics: arr(fc.record({ name: str, partitions: arr(fc.record({ partitionIndex: i32, errorCode: i16 })) })),
      }),
  },
  [ApiKey.OffsetFetch]: {
    request: (v) => {
      const topic = fc.record({ name: str, partitionIndexes: arr(i32) });
      return fc.record({ groupId: str, topics: v >= 2 ? narr(topic) : arr(topic) });
    },
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 3, i32, 0),
        topics: arr(
          fc.record({
            name: str,
            partitions: arr(
              fc.record({
                partitionIndex: i32,
                committedOffset: i64,
                committedLeaderEpoch: when(v >= 5, i32, -1),
                metadata: nstr,
                errorCode: i16,
              }),
            ),
          }),
        ),
        errorCode: when(v >= 2, i16, 0),
      }),
  },
  [ApiKey.FindCoordinator]: {
    request: (v) => fc.record({ key: str, keyType: when(v >= 1, i8, 0) }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 1, i32, 0),
        errorCode: i16,
        errorMessage: when(v >= 1, nstr, null),
        nodeId: i32,
        host: str,
        port: i32,
      }),
  },
  [ApiKey.JoinGroup]: {
    request: (v) =>
      fc.record({
        groupId: str,
        sessionTimeoutMs: i32,
        rebalanceTimeoutMs: when(v >= 1, i32, -1),
        memberId: str,
        groupInstanceId: when(v >= 5, nstr, null),
        protocolType: str,
        protocols: arr(fc.record({ name: str, metadata: bytes })),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 2, i32, 0),
        errorCode: i16,
        generationId: i32,
        protocolName: str,
        leader: str,
        memberId: str,
        members: arr(fc.record({ memberId: str, groupInstanceId: when(v >= 5, nstr, null), metadata: bytes })),
      }),
  },
  [ApiKey.Heartbeat]: {
    request: (v) => fc.record({ groupId: str, generationId: i32, memberId: str, groupInstanceId: when(v >= 3, nstr, null) }),
    response: (v) => fc.record({ throttleTimeMs: when(v >= 1, i32, 0), errorCode: i16 }),
  },
  [ApiKey.LeaveGroup]: {
    request: (v) =>
      fc.record({
        groupId: str,
        memberId: when(v <= 2, str, ''),
        members: when(v >= 3, arr(fc.record({ memberId: str, groupInstanceId: nstr })), []),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 1, i32, 0),
        errorCode: i16,
        members: when(v >= 3, arr(fc.record({ memberId: str, groupInstanceId: nstr, errorCode: i16 })), []),
      }),
  },
  [ApiKey.SyncGroup]: {
    request: (v) =>
      fc.record({
        groupId: str,
        generationId: i32,
        memberId: str,
        groupInstanceId: when(v >= 3, nstr, null),
        assignments: arr(fc.record({ memberId: str, assignment: bytes })),
      }),
    response: (v) => fc.record({ throttleTimeMs: when(v >= 1, i32, 0), errorCode: i16, assignment: bytes }),
  },
  [ApiKey.DescribeGroups]: {
    request: (v) => fc.record({ groups: arr(str), includeAuthorizedOperations: when(v >= 3, bool, false) }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 1, i32, 0),
        groups: arr(
          fc.record({
            errorCode: i16,
            groupId: str,
            groupState: str,
            protocolType: str,
            protocolData: str,
            members: arr(
              fc.record({
                memberId: str,
                groupInstanceId: when(v >= 4, nstr, null),
                clientId: str,
                clientHost: str,
                memberMetadata: bytes,
                memberAssignment: bytes,
              }),
            ),
            authorizedOperations: when(v >= 3, i32, AUTHORIZED_OPERATIONS_OMITTED),
          }),
        ),
      }),
  },
  [ApiKey.ListGroups]: {
    request: () => fc.constant({}),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 1, i32, 0),
        errorCode: i16,
        groups: arr(fc.record({ groupId: str, protocolType: str })),
      }),
  },
  [ApiKey.CreateTopics]: {
    request: (v) =>
      fc.record({
        topics: arr(
          fc.record({
            name: str,
            numPartitions: i32,
            replicationFactor: i16,
            assignments: arr(fc.record({ partitionIndex: i32, brokerIds: arr(i32) })),
            configs: arr(fc.record({ name: str, value: nstr })),
          }),
        ),
        timeoutMs: i32,
        validateOnly: when(v >= 1, bool, false),
      }),
    response: (v) =>
      fc.record({
        throttleTimeMs: when(v >= 2, i32, 0),
        topics: arr(fc.record({ name: str, errorCode: i16, errorMessage: when(v >= 1, nstr, null) })),
      }),
  },
  [ApiKey.DeleteTopics]: {
    request: () => fc.record({ topicNames: arr(str), timeoutMs: i32 }),
    response: (v) =>
      fc.record({ throttleTimeMs: when(v >= 1, i32, 0), responses: arr(fc.record({ name: str, errorCode: i16 })) }),
  },
  [ApiKey.InitProducerId]: {
    request: () => fc.record({ transactionalId: nstr, transactionTimeoutMs: i32 }),
    response: () => fc.record({ throttleTimeMs: i32, errorCode: i16, producerId: i64, producerEpoch: i16 }),
  },
  [ApiKey.DescribeConfigs]: {
    request: (v) =>
      fc.record({
        resources: arr(fc.record({ resourceType: i8, resourceName: str, configurationKeys: narr(str) })),
        includeSynonyms: when(v >= 1, bool, false),
      }),
    response: (v) => {
      const config =
        v === 0
          ? fc.record({ name: str, value: nstr, readOnly: bool, isDefault: bool, isSensitive: bool }).map((c) => ({
              ...c,
              configSource: c.isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.UNKNOWN,
              synonyms: [] as { name: string; value: string | null; source: number }[],
            }))
          : fc
              .record({
                name: str,
                value: nstr,
                readOnly: bool,
                configSource: i8,
                isSensitive: bool,
                synonyms: arr(fc.record({ name: str, value: nstr, source: i8 })),
              })
              .map((c) => ({ ...c, isDefault: c.configSource === ConfigSource.DEFAULT_CONFIG }));
      return fc.record({
        throttleTimeMs: i32,
        results: arr(fc.record({ errorCode: i16, errorMessage: nstr, resourceType: i8, resourceName: str, configs: arr(config) })),
      });
    },
  },
  [ApiKey.AlterConfigs]: {
    request: () =>
      fc.record({
        resources: arr(fc.record({ resourceType: i8, resourceName: str, configs: arr(fc.record({ name: str, value: nstr })) })),
        validateOnly: bool,
      }),
    response: () =>
      fc.record({ throttleTimeMs: i32, responses: arr(fc.record({ errorCode: i16, errorMessage: nstr, resourceType: i8, resourceName: str })) }),
  },
  [ApiKey.IncrementalAlterConfigs]: {
    request: () =>
      fc.record({
        resources: arr(fc.record({ resourceType: i8, resourceName: str, configs: arr(fc.record({ name: str, configOperation: i8, value: nstr })) })),
        validateOnly: bool,
      }),
    response: () =>
      fc.record({ throttleTimeMs: i32, responses: arr(fc.record({ errorCode: i16, errorMessage: nstr, resourceType: i8, resourceName: str })) }),
  },
  [ApiKey.CreatePartitions]: {
    request: () =>
      fc.record({
        topics: arr(fc.record({ name: str, count: i32, assignments: narr(fc.record({ brokerIds: arr(i32) })) })),
        timeoutMs: i32,
        validateOnly: bool,
      }),
    response: () => fc.record({ throttleTimeMs: i32, results: arr(fc.record({ name: str, errorCode: i16, errorMessage: nstr })) }),
  },
  [ApiKey.DeleteRecords]: {
    request: () => fc.record({ topics: arr(fc.record({ name: str, partitions: arr(fc.record({ partitionIndex: i32, offset: i64 })) })), timeoutMs: i32 }),
    response: () =>
      fc.record({
        throttleTimeMs: i32,
        topics: arr(fc.record({ name: str, partitions: arr(fc.record({ partitionIndex: i32, lowWatermark: i64, errorCode: i16 })) })),
      }),
  },
  [ApiKey.DeleteGroups]: {
    request: () => fc.record({ groupsNames: arr(str) }),
    response: () => fc.record({ throttleTimeMs: i32, results: arr(fc.record({ groupId: str, errorCode: i16 })) }),
  },
  [ApiKey.OffsetDelete]: {
    request: () => fc.record({ groupId: str, topics: arr(fc.record({ name: str, partitions: arr(fc.record({ partitionIndex: i32 })) })) }),
    response: () =>
      fc.record({
        errorCode: i16,
        throttleTimeMs: i32,
        topics: arr(fc.record({ name: str, partitions: arr(fc.record({ partitionIndex: i32, errorCode: i16 })) })),
      }),
  },
  [ApiKey.DescribeCluster]: {
    request: () => fc.record({ includeClusterAuthorizedOperations: bool }),
    response: () =>
      fc.record({
        throttleTimeMs: i32,
        errorCode: i16,
        errorMessage: nstr,
        clusterId: str,
        controllerId: i32,
        brokers: arr(fc.record({ brokerId: i32, host: str, port: i32, rack: nstr })),
        clusterAuthorizedOperations: i32,
      }),
  },
};
