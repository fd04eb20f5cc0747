/**
 * CreateTopics: one broker, so replication factor 1 (or -1, "the default"); only the topic
 * configs in topic-configs.ts; validateOnly checks everything and creates nothing.
 */
import type { CreatableTopic, CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse } from '../protocol/apis/create-topics.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import { validateTopicName } from '../log/index.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { namedMoreThanOnce } from './named-twice.js';
import { parseTopicConfigs } from './topic-configs.js';

function partitionCount(ctx: HandlerContext, t: CreatableTopic, nodeId: number): number {
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'give either assignments or numPartitions/replicationFactor, not both');
    }
    const seen = new Set<number>();
    for (const a of t.assignments) {
      if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${a.partitionIndex}: the only broker is ${nodeId}`);
      }
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < t.assignments.length; i++) {
      if (!seen.has(i)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'assignments must cover partitions 0..n-1');
    }
    return t.assignments.length;
  }
  if (t.replicationFactor !== 1 && t.replicationFactor !== -1) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor}: this cluster has one broker`);
  }
  if (t.numPartitions === -1) return ctx.defaultPartitions;
  if (t.numPartitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${t.numPartitions}`);
  return t.numPartitions;
}

export async function handleCreateTopics(ctx: HandlerContext, req: CreateTopicsRequest): Promise<CreateTopicsResponse> {
  const nodeId = ctx.identity().nodeId;
  const isDuplicate = namedMoreThanOnce(req.topics, (t) => t.name);
  const topics = await Promise.all(
    req.topics.map(async (t): Promise<CreatableTopicResult> => {
      if (isDuplicate(t)) {
        return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'topic named more than once in the request' };
      }
      try {
        const partitions = partitionCount(ctx, t, nodeId);
        const config = parseTopicConfigs(t.configs);
        if (req.validateOnly) {
          validateTopicName(t.name);
          if (ctx.log.getTopic(t.name) !== undefined) {
            return { name: t.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic ${t.name} already exists` };
          }
        } else {
          await ctx.log.createTopic(t.name, partitions, config);
        }
        return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (err) {
        return { name: t.name, errorCode: errorCodeOf(err, ctx.logger), errorMessage: err instanceof Error ? err.message : null };
      }
    }),
  );
  return { throttleTimeMs: 0, topics };
}
