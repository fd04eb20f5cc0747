import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * LeaveGroup Request (Version: 0-2) => group_id STRING member_id STRING
 * LeaveGroup Request (Version: 3) => group_id STRING [members]
 *   members => member_id STRING group_instance_id NULLABLE_STRING
 *
 * LeaveGroup Response (Version: 0) => error_code INT16
 * LeaveGroup Response (Version: 1-2) => throttle_time_ms INT32 error_code INT16
 * LeaveGroup Response (Version: 3) => throttle_time_ms error_code [members]
 *   members => member_id STRING group_instance_id NULLABLE_STRING error_code INT16
 *
 * Decoding v0-2 yields memberId and an empty members list; v3 yields members and memberId ''.
 */

export interface LeaveGroupRequestMember {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: LeaveGroupRequestMember[];
}

export interface LeaveGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: LeaveGroupResponseMember[];
}

export function decodeLeaveGroupRequest(r: Reader, version: number): LeaveGroupRequest {
  checkVersion(ApiKey.LeaveGroup, version);
  const groupId = r.string();
  if (version <= 2) return { groupId, memberId: r.string(), members: [] };
  const members = r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }));
  return { groupId, memberId: '', members };
}

export function encodeLeaveGroupRequest(w: Writer, version: number, req: LeaveGroupRequest): void {
  checkVersion(ApiKey.LeaveGroup, version);
  w.string(req.groupId);
  if (version <= 2) w.string(req.memberId);
  else w.array(req.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId));
}

export function encodeLeaveGroupResponse(w: Writer, version: number, res: LeaveGroupResponse): void {
  checkVersion(ApiKey.LeaveGroup, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
  if (version >= 3) {
    w.array(res.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode));
  }
}

export function decodeLeaveGroupResponse(r: Reader, version: number): LeaveGroupResponse {
  checkVersion(ApiKey.LeaveGroup, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const errorCode = r.int16();
  const members =
    version >= 3
      ? r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString(), errorCode: r.int16() }))
      : [];
  return { throttleTimeMs, errorCode, members };
}
