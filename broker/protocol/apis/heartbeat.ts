import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * Heartbeat Request (Version: 0-2) => group_id STRING generation_id INT32 member_id STRING
 * Version 3: group_instance_id NULLABLE_STRING at the end
 *
 * Heartbeat Response (Version: 0) => error_code INT16
 * Heartbeat Response (Version: 1-3) => throttle_time_ms INT32 error_code INT16
 */

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export function decodeHeartbeatRequest(r: Reader, version: number): HeartbeatRequest {
  checkVersion(ApiKey.Heartbeat, version);
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 3 ? r.nullableString() : null;
  return { groupId, generationId, memberId, groupInstanceId };
}

export function encodeHeartbeatRequest(w: Writer, version: number, req: HeartbeatRequest): void {
  checkVersion(ApiKey.Heartbeat, version);
  w.string(req.groupId).int32(req.generationId).string(req.memberId);
  if (version >= 3) w.nullableString(req.groupInstanceId);
}

export function encodeHeartbeatResponse(w: Writer, version: number, res: HeartbeatResponse): void {
  checkVersion(ApiKey.Heartbeat, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
}

export function decodeHeartbeatResponse(r: Reader, version: number): HeartbeatResponse {
  checkVersion(ApiKey.Heartbeat, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  return { throttleTimeMs, errorCode: r.int16() };
}
