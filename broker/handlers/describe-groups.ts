import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/apis/describe-groups.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../protocol/apis/version-check.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';

/** A group this broker does not hold is reported as Dead with no error, as Kafka does. */
export function handleDescribeGroups(ctx: HandlerContext, req: DescribeGroupsRequest): DescribeGroupsResponse {
  return {
    throttleTimeMs: 0,
    groups: req.groups.map((groupId) => {
      const g = ctx.groups.describe(groupId);
      return {
        errorCode: groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.NONE,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocolName,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
    }),
  };
}
