import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/apis/join-group.js';
import type { RequestContext } from '../server/handler.js';
import type { HandlerContext } from './context.js';

/** JoinGroup v4+: a member without an id is first given one (MEMBER_ID_REQUIRED) and rejoins with it. */
const MEMBER_ID_REQUIRED_SINCE_VERSION = 4;

export async function handleJoinGroup(ctx: HandlerContext, req: JoinGroupRequest, rc: RequestContext): Promise<JoinGroupResponse> {
  const result = await ctx.groups.join(req.groupId, {
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: rc.clientId ?? '',
    clientHost: rc.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    // v0 had no rebalance timeout: the session timeout served for both.
    rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    requireKnownMemberId: rc.apiVersion >= MEMBER_ID_REQUIRED_SINCE_VERSION,
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolName: result.protocolName ?? '',
    leader: result.leader,
    memberId: result.memberId,
    members: result.members,
  };
}
