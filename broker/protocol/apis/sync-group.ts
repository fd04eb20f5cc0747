import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * SyncGroup Request (Version: 0-2) => group_id STRING generation_id INT32 member_id STRING [assignments]
 *   assignments => member_id STRING assignment BYTES
 * Version 3: group_instance_id NULLABLE_STRING after member_id
 *
 * SyncGroup Response (Version: 0) => error_code INT16 assignment BYTES
 * SyncGroup Response (Version: 1-3) => throttle_time_ms INT32 error_code INT16 assignment BYTES
 */

export interface SyncGroupRequestAssignment {
  memberId: string;
  assignment: Uint8Array;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  assignment: Uint8Array;
}

export function decodeSyncGroupRequest(r: Reader, version: number): SyncGroupRequest {
  checkVersion(ApiKey.SyncGroup, version);
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 3 ? r.nullableString() : null;
  const assignments = r.array((r) => ({ memberId: r.string(), assignment: r.bytes() }));
  return { groupId, generationId, memberId, groupInstanceId, assignments };
}

export function encodeSyncGroupRequest(w: Writer, version: number, req: SyncGroupRequest): void {
  checkVersion(ApiKey.SyncGroup, version);
  w.string(req.groupId).int32(req.generationId).string(req.memberId);
  if (version >= 3) w.nullableString(req.groupInstanceId);
  w.array(req.assignments, (w, a) => w.string(a.memberId).bytes(a.assignment));
}

export function encodeSyncGroupResponse(w: Writer, version: number, res: SyncGroupResponse): void {
  checkVersion(ApiKey.SyncGroup, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode).bytes(res.assignment);
}

export function decodeSyncGroupResponse(r: Reader, version: number): SyncGroupResponse {
  checkVersion(ApiKey.SyncGroup, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  return { throttleTimeMs, errorCode: r.int16(), assignment: r.bytes() };
}
