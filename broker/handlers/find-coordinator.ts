import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/apis/find-coordinator.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';

const KEY_TYPE_GROUP = 0;

/** One broker: it coordinates every group. Transactions are not supported. */
export function handleFindCoordinator(ctx: HandlerContext, req: FindCoordinatorRequest): FindCoordinatorResponse {
  const id = ctx.identity();
  if (req.keyType !== KEY_TYPE_GROUP) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'transactions are not supported', nodeId: -1, host: '', port: -1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: id.nodeId, host: id.host, port: id.port };
}
