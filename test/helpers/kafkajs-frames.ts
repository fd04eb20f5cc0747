/**
 * Whole request frames (length prefix + header + body) exactly as kafkajs 2.2.4 puts them on the wire,
 * built with kafkajs's own request encoders: real client bytes to mutate in wire fuzzing, without a proxy.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode: () => Promise<unknown>;
}

type RequestBuilder = (args: Record<string, unknown>) => KafkajsRequest;
type FrameEncoder = (args: { correlationId: number; clientId: string; request: KafkajsRequest }) => Promise<{ buffer: Buffer }>;

function builder(api: string, version: number): RequestBuilder {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/request`) as RequestBuilder;
}

const encodeFrame = require('kafkajs/src/protocol/request') as FrameEncoder;
const Compression = require('kafkajs/src/protocol/message/compression') as { Types: Record<string, number> };

export interface FrameSpec {
  name: string;
  frame: Buffer;
}

/** One frame per API and several versions, naming `topic` (which should exist) and `otherTopic` (which may not). */
export async function kafkajsFrames(topic: string, otherTopic: string): Promise<FrameSpec[]> {
  const messages = [
    { key: Buffer.from('k1'), value: Buffer.from('fuzz seed value one'), timestamp: Date.now(), headers: { h: Buffer.from('v') } },
    { key: null, value: Buffer.from('two'), timestamp: Date.now() },
  ];
  const produceArgs = (compression: number) => ({
    acks: -1,
    timeout: 1000,
    compression,
    topicData: [{ topic, partitions: [{ partition: 0, messages }] }],
  });
  const fetchTopics = [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 65536 }] }];
  const specs: Array<[string, number, Record<string, unknown>]> = [
    ['apiVersions', 0, {}],
    ['apiVersions', 1, {}],
    ['apiVersions', 2, {}],
    ['metadata', 0, { topics: [topic] }],
    ['metadata', 1, { topics: [] }],
    ['metadata', 4, { topics: [topic, otherTopic], allowAutoTopicCreation: false }],
    ['metadata', 6, { topics: [otherTopic], allowAutoTopicCreation: false }],
    ['produce', 3, produceArgs(Compression.Types.None!)],
    ['produce', 5, produceArgs(Compression.Types.GZIP!)],
    ['produce', 7, { ...produceArgs(Compression.Types.None!), acks: 1 }],
    ['produce', 3, { ...produceArgs(Compression.Types.None!), acks: 0 }],
    ['fetch', 4, { replicaId: -1, maxWaitTime: 10, minBytes: 1, maxBytes: 1 << 20, topics: fetchTopics }],
    ['fetch', 11, { replicaId: -1, maxWaitTime: 10, minBytes: 1, maxBytes: 1 << 20, topics: fetchTopics }],
    ['listOffsets', 1, { replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, timestamp: -1 }] }] }],
    ['listOffsets', 3, { replicaId: -1, isolationLevel: 0, topics: [{ topic, partitions: [{ partition: 1, timestamp: -2 }] }] }],
    ['createTopics', 0, { topics: [{ topic: otherTopic, numPartitions: 2, replicationFactor: 1 }], timeout: 1000 }],
    ['createTopics', 3, { topics: [{ topic: otherTopic, numPartitions: 1 }], timeout: 1000, validateOnly: false }],
    ['deleteTopics', 1, { topics: [otherTopic], timeout: 1000 }],
    ['findCoordinator', 0, { groupId: 'fuzz-group' }],
    ['findCoordinator', 2, { coordinatorKey: 'fuzz-group', coordinatorType: 0 }],
    [
      'joinGroup',
      5,
      {
        groupId: 'fuzz-group',
        sessionTimeout: 6000,
        rebalanceTimeout: 100,
        memberId: '',
        protocolType: 'consumer',
        groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 4, 0x66, 0x75, 0x7a, 0x7a]) }],
      },
    ],
    ['syncGroup', 3, { groupId: 'fuzz-group', generationId: 1, memberId: 'm', groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from([0, 1]) }] }],
    ['heartbeat', 3, { groupId: 'fuzz-group', groupGenerationId: 1, memberId: 'm', groupInstanceId: null }],
    ['leaveGroup', 2, { groupId: 'fuzz-group', memberId: 'm' }],
    ['offsetCommit', 5, { groupId: 'fuzz-group', groupGenerationId: -1, memberId: '', topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] }],
    ['offsetFetch', 4, { groupId: 'fuzz-group', topics: [{ topic, partitions: [{ partition: 0 }] }] }],
    ['initProducerId', 1, { transactionalId: null, transactionTimeout: 1000 }],
    ['describeConfigs', 2, { resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }], includeSynonyms: false }],
  ];
  const out: FrameSpec[] = [];
  let correlationId = 1;
  for (const [api, version, args] of specs) {
    const request = builder(api, version)(args);
    const encoded = await encodeFrame({ correlationId: correlationId++, clientId: 'fuzz-seed', request });
    out.push({ name: `${api} v${version}`, frame: Buffer.from(encoded.buffer) });
  }
  return out;
}

/** One request frame as kafkajs encodes it (`api` is the kafkajs folder name, e.g. `produce`, `fetch`). */
export async function kafkajsRequestFrame(api: string, version: number, args: Record<string, unknown>, correlationId: number): Promise<Buffer> {
  const request = builder(api, version)(args);
  const encoded = await encodeFrame({ correlationId, clientId: 'e2e-raw', request });
  return Buffer.from(encoded.buffer);
}

type ResponseDecoder = { decode: (payload: Buffer) => Promise<unknown> };

/** Decodes a response frame (without its length prefix) with kafkajs's decoder; returns correlation id and body. */
export async function decodeKafkajsResponse<T>(api: string, version: number, frame: Buffer): Promise<{ correlationId: number; body: T }> {
  const decoder = require(`kafkajs/src/protocol/requests/${api}/v${version}/response`) as ResponseDecoder;
  return { correlationId: frame.readInt32BE(0), body: (await decoder.decode(frame.subarray(4))) as T };
}
