import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/apis/leave-group.js';
import type { RequestContext } from '../server/handler.js';
import type { HandlerContext } from './context.js';

/** LeaveGroup v3 names a batch of members; older versions name the one sending it. */
const BATCH_LEAVE_SINCE_VERSION = 3;

export function handleLeaveGroup(ctx: HandlerContext, req: LeaveGroupRequest, rc: RequestContext): LeaveGroupResponse {
  const batch = rc.apiVersion >= BATCH_LEAVE_SINCE_VERSION;
  const members = batch ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
  const result = ctx.groups.leave(req.groupId, members.map((m) => m.memberId));
  return {
    throttleTimeMs: 0,
    // v3: the top-level code is for the request; each member carries its own.
    errorCode: batch && result.members.length > 0 ? 0 : result.errorCode,
    members: batch
      ? members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: result.members[i] ?? result.errorCode }))
      : [],
  };
}
