/** DescribeCluster: this broker is the whole cluster and its controller. */
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/apis/describe-cluster.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../protocol/apis/version-check.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { HandlerContext } from './context.js';

export function handleDescribeCluster(ctx: HandlerContext, _req: DescribeClusterRequest): DescribeClusterResponse {
  const id = ctx.identity();
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    clusterId: id.clusterId,
    controllerId: id.nodeId,
    brokers: [{ brokerId: id.nodeId, host: id.host, port: id.port, rack: null }],
    // No ACLs: the same answer Metadata gives when asked.
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
