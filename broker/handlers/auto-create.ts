/**
 * Topics created on first use, as Kafka's auto.create.topics.enable does: a Metadata request that
 * allows it, or a Produce, naming a topic that does not exist creates it with num.partitions
 * (defaultPartitions) and the default configs. Many clients using a new name at once create it
 * once (the log joins them to one creation); a view's name is never turned into a topic.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { TopicInfo } from '../log/index.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { resolveTopic, type ResolvedTopic } from './views.js';

export type AutoCreated = { topic: ResolvedTopic; errorCode?: undefined } | { topic?: undefined; errorCode: number; message: string };

/**
 * The topic (or view) named, creating a topic when the broker allows it. Fails with
 * UNKNOWN_TOPIC_OR_PARTITION when auto-creation is off, INVALID_TOPIC_EXCEPTION for a bad name,
 * and LEADER_NOT_AVAILABLE (retriable) when the name is busy (being deleted, or being attached as
 * a view) or the bucket failed.
 */
export async function topicOrAutoCreate(ctx: HandlerContext, name: string): Promise<AutoCreated> {
  const existing = resolveTopic(ctx, name);
  if (existing !== undefined) return { topic: existing };
  if (!ctx.autoCreateTopics) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `unknown topic ${name}` };
  let info: TopicInfo;
  try {
    info = await ctx.log.ensureTopic(name, ctx.defaultPartitions);
  } catch (err) {
    // Someone else took the name meanwhile (a view attached, say): answer what is there now.
    const raced = resolveTopic(ctx, name);
    if (raced !== undefined) return { topic: raced };
    const code = errorCodeOf(err, ctx.logger);
    const message = err instanceof Error ? err.message : String(err);
    if (code === ErrorCode.INVALID_TOPIC_EXCEPTION) return { errorCode: code, message };
    // Busy name or storage trouble: Kafka's "not ready yet", which clients retry.
    return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, message };
  }
  ctx.logger.info({ topic: name, partitions: info.partitions }, 'topic created on first use');
  return { topic: { info, source: name, view: undefined } };
}
