/**
 * OffsetCommit: the group decides whether this member and generation may commit; the offsets are
 * durable in the bucket before the answer. A storage failure is a coordinator problem to the
 * client (retriable, errors.ts coordinatorErrorCode), as Kafka reports failed writes to its offsets topic.
 */
import { OFFSET_METADATA_MAX_BYTES } from '../constants.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/apis/offset-commit.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { CommittedOffset } from '../groups/index.js';
import type { HandlerContext } from './context.js';
import { coordinatorErrorCode } from './errors.js';
import { resolveTopic } from './views.js';

const encoder = new TextEncoder();

export async function handleOffsetCommit(ctx: HandlerContext, req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
  const codes = req.topics.map((t) => t.partitions.map((): number => ErrorCode.NONE));
  const offsets: CommittedOffset[] = [];
  req.topics.forEach((t, i) => {
    const topic = resolveTopic(ctx, t.name)?.info;
    t.partitions.forEach((p, j) => {
      if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
        codes[i]![j] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (p.committedMetadata !== null && encoder.encode(p.committedMetadata).byteLength > OFFSET_METADATA_MAX_BYTES) {
        codes[i]![j] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
      } else {
        offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata });
      }
    });
  });

  let groupCode: number;
  if (req.groupId === '' && req.generationId >= 0) groupCode = ErrorCode.INVALID_GROUP_ID;
  else {
    try {
      groupCode = await ctx.groups.commit(req.groupId, req.memberId, req.generationId, offsets);
    } catch (err) {
      groupCode = coordinatorErrorCode(err, ctx.logger);
    }
  }
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => ({
      name: t.name,
      partitions: t.partitions.map((p, j) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codes[i]![j] !== ErrorCode.NONE ? codes[i]![j]! : groupCode,
      })),
    })),
  };
}
