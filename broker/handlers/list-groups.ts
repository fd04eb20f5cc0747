import type { ListGroupsResponse } from '../protocol/apis/list-groups.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';

export function handleListGroups(ctx: HandlerContext): ListGroupsResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    groups: ctx.groups.list().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
  };
}
