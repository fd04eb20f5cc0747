/**
 * CreatePartitions: grows a topic (log Topics.grow): its partitions and their offsets stay as they
 * are, the new ones start empty; shrinking is INVALID_PARTITIONS. A view follows its source's
 * partitions, so it cannot grow on its own. Views of a grown topic grow with it.
 */
import type { CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopic, CreatePartitionsTopicResult } from '../protocol/apis/create-partitions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { namedMoreThanOnce } from './named-twice.js';
import { resolveTopic } from './views.js';

/** Explicit assignments must name this broker once per new partition (there is no other). */
function checkAssignments(t: CreatePartitionsTopic, current: number, nodeId: number): void {
  if (t.assignments === null) return;
  if (t.assignments.length !== t.count - current) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${t.assignments.length} assignment(s) for ${t.count - current} new partition(s)`);
  }
  for (const a of t.assignments) {
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `assignment [${a.brokerIds.join(', ')}]: the only broker is ${nodeId}`);
    }
  }
}

export async function handleCreatePartitions(ctx: HandlerContext, req: CreatePartitionsRequest): Promise<CreatePartitionsResponse> {
  const nodeId = ctx.identity().nodeId;
  const isDuplicate = namedMoreThanOnce(req.topics, (t) => t.name);
  const results = await Promise.all(
    req.topics.map(async (t): Promise<CreatePartitionsTopicResult> => {
      const fail = (errorCode: number, errorMessage: string) => ({ name: t.name, errorCode, errorMessage });
      if (isDuplicate(t)) return fail(ErrorCode.INVALID_REQUEST, 'topic named more than once in the request');
      const resolved = resolveTopic(ctx, t.name);
      if (resolved === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${t.name}`);
      if (resolved.view !== undefined) {
        return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `${t.name} is a view of ${resolved.source}: it has its source's partitions; grow ${resolved.source}`);
      }
      try {
        checkAssignments(t, resolved.info.partitions, nodeId);
        await ctx.log.createPartitions(t.name, t.count, { validateOnly: req.validateOnly });
        if (!req.validateOnly) ctx.logger.info({ topic: t.name, partitions: t.count }, 'topic grown');
        return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (err) {
        return fail(errorCodeOf(err, ctx.logger), err instanceof Error ? err.message : String(err));
      }
    }),
  );
  return { throttleTimeMs: 0, results };
}
