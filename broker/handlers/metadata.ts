/**
 * Metadata: one broker that leads every partition. Topics named but missing are created only
 * when the broker allows it (autoCreateTopics, on by default) AND the client asks for it
 * (auto-create.ts); otherwise they come back as UNKNOWN_TOPIC_OR_PARTITION, which kafkajs and
 * librdkafka report and retry. A view is answered as a topic with its source's partitions.
 */
import { AUTHORIZED_OPERATIONS_OMITTED } from '../protocol/apis/version-check.js';
import type { MetadataRequest, MetadataResponse, MetadataResponseTopic } from '../protocol/apis/metadata.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { TopicInfo } from '../log/types.js';
import type { HandlerContext } from './context.js';
import { topicOrAutoCreate } from './auto-create.js';
import { allTopics, resolveTopic } from './views.js';

/** No leader epochs: -1 tells clients not to validate offsets against epochs. */
const LEADER_EPOCH_UNKNOWN = -1;

export function topicMetadata(topic: TopicInfo, nodeId: number): MetadataResponseTopic {
  const partitions = [];
  for (let i = 0; i < topic.partitions; i++) {
    partitions.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: i,
      leaderId: nodeId,
      leaderEpoch: LEADER_EPOCH_UNKNOWN,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    isInternal: false,
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function missingTopic(name: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

export async function handleMetadata(ctx: HandlerContext, req: MetadataRequest): Promise<MetadataResponse> {
  const id = ctx.identity();
  let topics: MetadataResponseTopic[];
  if (req.topics === null) {
    topics = allTopics(ctx).map((t) => topicMetadata(t, id.nodeId));
  } else {
    topics = await Promise.all(
      req.topics.map(async ({ name }) => {
        if (!req.allowAutoTopicCreation) {
          const existing = resolveTopic(ctx, name);
          return existing !== undefined ? topicMetadata(existing.info, id.nodeId) : missingTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        const found = await topicOrAutoCreate(ctx, name);
        return found.topic !== undefined ? topicMetadata(found.topic.info, id.nodeId) : missingTopic(name, found.errorCode);
      }),
    );
  }
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: id.nodeId, host: id.host, port: id.port, rack: null }],
    clusterId: id.clusterId,
    controllerId: id.nodeId,
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
