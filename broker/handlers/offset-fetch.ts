import type { OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseTopic } from '../protocol/apis/offset-fetch.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';

const NO_EPOCH = -1;

/** Committed offsets from the log; -1 for partitions without one, as Kafka answers. */
export async function handleOffsetFetch(ctx: HandlerContext, req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
  const wanted = req.topics === null
    ? null
    : req.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  let committed;
  try {
    committed = await ctx.groups.fetchOffsets(req.groupId, wanted);
  } catch (err) {
    const code = errorCodeOf(err, ctx.logger);
    return { throttleTimeMs: 0, topics: [], errorCode: code === ErrorCode.KAFKA_STORAGE_ERROR ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code };
  }
  const byTopic = new Map<string, OffsetFetchResponseTopic>();
  for (const c of committed) {
    let t = byTopic.get(c.topic);
    if (t === undefined) {
      t = { name: c.topic, partitions: [] };
      byTopic.set(c.topic, t);
    }
    t.partitions.push({
      partitionIndex: c.partition,
      committedOffset: c.offset,
      committedLeaderEpoch: NO_EPOCH,
      metadata: c.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
  }
  return { throttleTimeMs: 0, topics: [...byTopic.values()], errorCode: ErrorCode.NONE };
}
