import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * DescribeCluster Request (Version: 0, flexible) => include_cluster_authorized_operations TAG_BUFFER
 *   include_cluster_authorized_operations => BOOLEAN
 *
 * DescribeCluster Response (Version: 0, flexible) => throttle_time_ms error_code error_message
 *     cluster_id controller_id [brokers] cluster_authorized_operations TAG_BUFFER
 *   throttle_time_ms => INT32
 *   error_code => INT16
 *   error_message => COMPACT_NULLABLE_STRING
 *   cluster_id => COMPACT_STRING
 *   controller_id => INT32
 *   brokers (COMPACT_ARRAY) => broker_id INT32 host COMPACT_STRING port INT32 rack COMPACT_NULLABLE_STRING TAG_BUFFER
 *   cluster_authorized_operations => INT32
 *
 * Every version is flexible (request header v2, response header v1). v1 adds endpoint_type, not implemented.
 */

export interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
}

export interface DescribeClusterBroker {
  brokerId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface DescribeClusterResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  clusterId: string;
  controllerId: number;
  brokers: DescribeClusterBroker[];
  clusterAuthorizedOperations: number;
}

export function decodeDescribeClusterRequest(r: Reader, version: number): DescribeClusterRequest {
  checkVersion(ApiKey.DescribeCluster, version);
  const includeClusterAuthorizedOperations = r.bool();
  r.taggedFields();
  return { includeClusterAuthorizedOperations };
}

export function encodeDescribeClusterRequest(w: Writer, version: number, req: DescribeClusterRequest): void {
  checkVersion(ApiKey.DescribeCluster, version);
  w.bool(req.includeClusterAuthorizedOperations).taggedFields();
}

export function encodeDescribeClusterResponse(w: Writer, version: number, res: DescribeClusterResponse): void {
  checkVersion(ApiKey.DescribeCluster, version);
  w.int32(res.throttleTimeMs).int16(res.errorCode).compactNullableString(res.errorMessage).compactString(res.clusterId).int32(res.controllerId);
  w.compactArray(res.brokers, (w, b) => w.int32(b.brokerId).compactString(b.host).int32(b.port).compactNullableString(b.rack).taggedFields());
  w.int32(res.clusterAuthorizedOperations).taggedFields();
}

export function decodeDescribeClusterResponse(r: Reader, version: number): DescribeClusterResponse {
  checkVersion(ApiKey.DescribeCluster, version);
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const errorMessage = r.compactNullableString();
  const clusterId = r.compactString();
  const controllerId = r.int32();
  const brokers = r.compactArray((r) => {
    const b = { brokerId: r.int32(), host: r.compactString(), port: r.int32(), rack: r.compactNullableString() };
    r.taggedFields();
    return b;
  });
  const clusterAuthorizedOperations = r.int32();
  r.taggedFields();
  return { throttleTimeMs, errorCode, errorMessage, clusterId, controllerId, brokers, clusterAuthorizedOperations };
}
