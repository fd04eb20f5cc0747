import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * JoinGroup Request (Version: 0) => group_id session_timeout_ms member_id protocol_type [protocols]
 *   group_id => STRING  session_timeout_ms => INT32
 *   member_id => STRING  protocol_type => STRING
 *   protocols => name STRING metadata BYTES
 * Version 1+: rebalance_timeout_ms INT32 after session_timeout_ms (absent: -1, use the session timeout)
 * Version 5: group_instance_id NULLABLE_STRING after member_id
 *
 * JoinGroup Response (Version: 0-1) => error_code generation_id protocol_name leader member_id [members]
 *   error_code => INT16  generation_id => INT32
 *   protocol_name => STRING  leader => STRING  member_id => STRING
 *   members => member_id STRING metadata BYTES
 * Version 2+: throttle_time_ms INT32 first
 * Version 5: members += group_instance_id NULLABLE_STRING after member_id
 */

export interface JoinGroupRequestProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupRequestProtocol[];
}

export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: JoinGroupResponseMember[];
}

export function decodeJoinGroupRequest(r: Reader, version: number): JoinGroupRequest {
  checkVersion(ApiKey.JoinGroup, version);
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
  const memberId = r.string();
  const groupInstanceId = version >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((r) => ({ name: r.string(), metadata: r.bytes() }));
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols };
}

export function encodeJoinGroupRequest(w: Writer, version: number, req: JoinGroupRequest): void {
  checkVersion(ApiKey.JoinGroup, version);
  w.string(req.groupId).int32(req.sessionTimeoutMs);
  if (version >= 1) w.int32(req.rebalanceTimeoutMs);
  w.string(req.memberId);
  if (version >= 5) w.nullableString(req.groupInstanceId);
  w.string(req.protocolType);
  w.array(req.protocols, (w, p) => w.string(p.name).bytes(p.metadata));
}

export function encodeJoinGroupResponse(w: Writer, version: number, res: JoinGroupResponse): void {
  checkVersion(ApiKey.JoinGroup, version);
  if (version >= 2) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode).int32(res.generationId);
  w.string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.nullableString(m.groupInstanceId);
    w.bytes(m.metadata);
  });
}

export function decodeJoinGroupResponse(r: Reader, version: number): JoinGroupResponse {
  checkVersion(ApiKey.JoinGroup, version);
  const throttleTimeMs = version >= 2 ? r.int32() : 0;
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocolName = r.string();
  const leader = r.string();
  const memberId = r.string();
  const members = r.array((r) => ({
    memberId: r.string(),
    groupInstanceId: version >= 5 ? r.nullableString() : null,
    metadata: r.bytes(),
  }));
  return { throttleTimeMs, errorCode, generationId, protocolName, leader, memberId, members };
}
