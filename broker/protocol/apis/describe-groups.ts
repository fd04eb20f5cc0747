import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { AUTHORIZED_OPERATIONS_OMITTED, checkVersion } from './version-check.js';

/*
 * DescribeGroups Request (Version: 0-2) => [groups STRING]
 * Version 3-4: include_authorized_operations BOOLEAN at the end
 *
 * DescribeGroups Response (Version: 0) => [groups]
 *   groups => error_code INT16 group_id STRING group_state STRING protocol_type STRING protocol_data STRING [members]
 *     members => member_id STRING client_id STRING client_host STRING member_metadata BYTES member_assignment BYTES
 * Version 1+: throttle_time_ms INT32 first
 * Version 3+: groups += authorized_operations INT32 at the end
 * Version 4: members += group_instance_id NULLABLE_STRING after member_id
 */

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  authorizedOperations: number;
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

export function decodeDescribeGroupsRequest(r: Reader, version: number): DescribeGroupsRequest {
  checkVersion(ApiKey.DescribeGroups, version);
  const groups = r.array((r) => r.string());
  const includeAuthorizedOperations = version >= 3 ? r.bool() : false;
  return { groups, includeAuthorizedOperations };
}

export function encodeDescribeGroupsRequest(w: Writer, version: number, req: DescribeGroupsRequest): void {
  checkVersion(ApiKey.DescribeGroups, version);
  w.array(req.groups, (w, g) => w.string(g));
  if (version >= 3) w.bool(req.includeAuthorizedOperations);
}

export function encodeDescribeGroupsResponse(w: Writer, version: number, res: DescribeGroupsResponse): void {
  checkVersion(ApiKey.DescribeGroups, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.array(res.groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.groupState).string(g.protocolType).string(g.protocolData);
    w.array(g.members, (w, m) => {
      w.string(m.memberId);
      if (version >= 4) w.nullableString(m.groupInstanceId);
      w.string(m.clientId).string(m.clientHost).bytes(m.memberMetadata).bytes(m.memberAssignment);
    });
    if (version >= 3) w.int32(g.authorizedOperations);
  });
}

export function decodeDescribeGroupsResponse(r: Reader, version: number): DescribeGroupsResponse {
  checkVersion(ApiKey.DescribeGroups, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const groups = r.array((r) => ({
    errorCode: r.int16(),
    groupId: r.string(),
    groupState: r.string(),
    protocolType: r.string(),
    protocolData: r.string(),
    members: r.array((r) => ({
      memberId: r.string(),
      groupInstanceId: version >= 4 ? r.nullableString() : null,
      clientId: r.string(),
      clientHost: r.string(),
      memberMetadata: r.bytes(),
      memberAssignment: r.bytes(),
    })),
    authorizedOperations: version >= 3 ? r.int32() : AUTHORIZED_OPERATIONS_OMITTED,
  }));
  return { throttleTimeMs, groups };
}
