/**
 * ListOffsets: -1 latest (the high watermark), -2 earliest (log start), -3 the record with the
 * largest timestamp (v7+), else the first offset at or after a timestamp.
 */
import {
  LIST_OFFSETS_EARLIEST_TIMESTAMP,
  LIST_OFFSETS_LATEST_TIMESTAMP,
  LIST_OFFSETS_MAX_TIMESTAMP,
  LIST_OFFSETS_MAX_TIMESTAMP_MIN_VERSION,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponsePartition,
} from '../protocol/apis/list-offsets.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { resolveTopic } from './views.js';

const NO_EPOCH = -1;

export async function handleListOffsets(ctx: HandlerContext, req: ListOffsetsRequest, apiVersion: number): Promise<ListOffsetsResponse> {
  const topics = await Promise.all(
    req.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map(async (p): Promise<ListOffsetsResponsePartition> => {
          const fail = (errorCode: number): ListOffsetsResponsePartition => ({
            partitionIndex: p.partitionIndex,
            errorCode,
            timestamp: -1n,
            offset: -1n,
            leaderEpoch: NO_EPOCH,
          });
          // A view has its source's offsets: the records it keeps are at their source offsets.
          const resolved = resolveTopic(ctx, t.name);
          if (resolved === undefined || p.partitionIndex < 0 || p.partitionIndex >= resolved.info.partitions) {
            return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          const source = resolved.source;
          try {
            let offset: bigint;
            let timestamp = -1n;
            if (p.timestamp === LIST_OFFSETS_LATEST_TIMESTAMP) offset = ctx.log.highWatermark(source, p.partitionIndex);
            else if (p.timestamp === LIST_OFFSETS_EARLIEST_TIMESTAMP) offset = ctx.log.logStartOffset(source, p.partitionIndex);
            else if (p.timestamp < 0n && !(p.timestamp === LIST_OFFSETS_MAX_TIMESTAMP && apiVersion >= LIST_OFFSETS_MAX_TIMESTAMP_MIN_VERSION)) {
              return fail(ErrorCode.INVALID_REQUEST);
            } else {
              const found = p.timestamp === LIST_OFFSETS_MAX_TIMESTAMP
                ? await ctx.log.offsetOfMaxTimestamp(source, p.partitionIndex)
                : await ctx.log.offsetForTimestamp(source, p.partitionIndex, p.timestamp);
              // No record at or after the timestamp: Kafka answers offset -1, timestamp -1.
              offset = found?.offset ?? -1n;
              timestamp = found?.timestampMs ?? -1n;
            }
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch: NO_EPOCH };
          } catch (err) {
            return fail(errorCodeOf(err, ctx.logger));
          }
        }),
      ),
    })),
  );
  return { throttleTimeMs: 0, topics };
}
