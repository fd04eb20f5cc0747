import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/apis/delete-topics.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';

export async function handleDeleteTopics(ctx: HandlerContext, req: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
  const responses = await Promise.all(
    req.topicNames.map(async (name) => {
      try {
        // Deleting a view detaches it: its source and its records stay.
        if (ctx.log.getTopic(name) === undefined && ctx.log.getAttachment('view', name) !== undefined) await ctx.log.detach('view', name);
        else await ctx.log.deleteTopic(name);
        return { name, errorCode: ErrorCode.NONE };
      } catch (err) {
        return { name, errorCode: errorCodeOf(err, ctx.logger) };
      }
    }),
  );
  return { throttleTimeMs: 0, responses };
}
