/**
 * DeleteGroups and OffsetDelete: a group's committed offsets go, whole or per partition, for good
 * (groups/coordinator.ts decides what a group with members allows). A group that reads a view is
 * a group like any other; its offsets are under the view's name.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/apis/delete-groups.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/apis/offset-delete.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { coordinatorErrorCode } from './errors.js';
import { resolveTopic } from './views.js';

export async function handleDeleteGroups(ctx: HandlerContext, req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
  const results = await Promise.all(
    req.groupsNames.map(async (groupId) => {
      try {
        const errorCode = await ctx.groups.deleteGroup(groupId);
        if (errorCode === ErrorCode.NONE) ctx.logger.info({ group: groupId }, 'group deleted');
        return { groupId, errorCode };
      } catch (err) {
        return { groupId, errorCode: coordinatorErrorCode(err, ctx.logger) };
      }
    }),
  );
  return { throttleTimeMs: 0, results };
}

export async function handleOffsetDelete(ctx: HandlerContext, req: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
  // Partitions of topics that do not exist are answered here; the rest go to the group.
  const codes = req.topics.map((t) => {
    const topic = resolveTopic(ctx, t.name)?.info;
    return t.partitions.map((p) => (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE));
  });
  const asked = req.topics.flatMap((t, i) => t.partitions.filter((_, j) => codes[i]![j] === ErrorCode.NONE).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
  let errorCode: number;
  let partitionCodes: number[];
  try {
    ({ errorCode, partitionCodes } = await ctx.groups.deleteOffsets(req.groupId, asked));
  } catch (err) {
    return { errorCode: coordinatorErrorCode(err, ctx.logger), throttleTimeMs: 0, topics: [] };
  }
  if (errorCode !== ErrorCode.NONE) return { errorCode, throttleTimeMs: 0, topics: [] };
  let next = 0;
  const topics = req.topics.map((t, i) => ({
    name: t.name,
    partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j] !== ErrorCode.NONE ? codes[i]![j]! : partitionCodes[next++]! })),
  }));
  return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
}
