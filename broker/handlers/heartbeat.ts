import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/apis/heartbeat.js';
import type { HandlerContext } from './context.js';

export function handleHeartbeat(ctx: HandlerContext, req: HeartbeatRequest): HeartbeatResponse {
  return { throttleTimeMs: 0, errorCode: ctx.groups.heartbeat(req.groupId, req.memberId, req.generationId) };
}
