import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/apis/sync-group.js';
import type { HandlerContext } from './context.js';

export async function handleSyncGroup(ctx: HandlerContext, req: SyncGroupRequest): Promise<SyncGroupResponse> {
  const result = await ctx.groups.sync(req.groupId, req.memberId, req.generationId, req.assignments);
  return { throttleTimeMs: 0, errorCode: result.errorCode, assignment: result.assignment };
}
