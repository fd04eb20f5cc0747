/**
 * Views as the handlers see them: a topic name that is a view reads its source's partitions and
 * offsets; only Fetch runs its module, and Produce refuses it.
 */
import type { AttachmentInfo, TopicInfo } from '../log/index.js';
import type { HandlerContext } from './context.js';

export interface ResolvedTopic {
  /** The topic, or for a view its source topic's shape under the view's name. */
  info: TopicInfo;
  /** The topic whose partitions hold the records: the topic itself, or a view's source. */
  source: string;
  view: AttachmentInfo | undefined;
}

/** A topic or a view by name, undefined when it is neither (or a view whose source is gone). */
export function resolveTopic(ctx: HandlerContext, name: string): ResolvedTopic | undefined {
  const topic = ctx.log.getTopic(name);
  if (topic !== undefined) return { info: topic, source: name, view: undefined };
  const view = ctx.log.getAttachment('view', name);
  if (view === undefined) return undefined;
  const source = ctx.log.getTopic(view.source);
  if (source === undefined) return undefined;
  return { info: { ...source, name, topicId: view.attachmentId, createdAtMs: view.createdAtMs }, source: view.source, view };
}

/** Every topic and view, as Metadata lists them when asked for all. */
export function allTopics(ctx: HandlerContext): TopicInfo[] {
  const out = ctx.log.listTopics();
  for (const a of ctx.log.listAttachments()) {
    if (a.kind !== 'view') continue;
    const r = resolveTopic(ctx, a.name);
    if (r !== undefined) out.push(r.info);
  }
  return out;
}
