/**
 * DeleteRecords: moves each partition's log start forward (log Topics.deleteRecords); fetches below
 * it get OFFSET_OUT_OF_RANGE and retention and compaction treat the records as gone. Offset -1 means
 * the high watermark; past it is OFFSET_OUT_OF_RANGE. A view has no records of its own to delete.
 */
import type { DeleteRecordsPartitionResult, DeleteRecordsRequest, DeleteRecordsResponse } from '../protocol/apis/delete-records.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { resolveTopic } from './views.js';

/** No low watermark to report with an error. */
const NO_LOW_WATERMARK = -1n;

export async function handleDeleteRecords(ctx: HandlerContext, req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
  const topics = await Promise.all(
    req.topics.map(async (t) => {
      const resolved = resolveTopic(ctx, t.name);
      const partitions = await Promise.all(
        t.partitions.map(async (p): Promise<DeleteRecordsPartitionResult> => {
          const fail = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: NO_LOW_WATERMARK, errorCode });
          if (resolved === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (resolved.view !== undefined) {
            ctx.logger.debug({ view: t.name, source: resolved.source }, 'DeleteRecords on a view refused');
            return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
          }
          try {
            const lowWatermark = await ctx.log.deleteRecords(t.name, p.partitionIndex, p.offset);
            return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
          } catch (err) {
            return fail(errorCodeOf(err, ctx.logger));
          }
        }),
      );
      return { name: t.name, partitions };
    }),
  );
  return { throttleTimeMs: 0, topics };
}
