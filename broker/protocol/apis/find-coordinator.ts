import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * FindCoordinator Request (Version: 0) => key STRING   (the group id)
 * FindCoordinator Request (Version: 1-2) => key STRING key_type INT8   (0 group, 1 transaction)
 *
 * FindCoordinator Response (Version: 0) => error_code INT16 node_id INT32 host STRING port INT32
 * FindCoordinator Response (Version: 1-2) => throttle_time_ms INT32 error_code INT16
 *   error_message NULLABLE_STRING node_id INT32 host STRING port INT32
 */

export const CoordinatorKeyType = { group: 0, transaction: 1 } as const;

export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export function decodeFindCoordinatorRequest(r: Reader, version: number): FindCoordinatorRequest {
  checkVersion(ApiKey.FindCoordinator, version);
  const key = r.string();
  const keyType = version >= 1 ? r.int8() : CoordinatorKeyType.group;
  return { key, keyType };
}

export function encodeFindCoordinatorRequest(w: Writer, version: number, req: FindCoordinatorRequest): void {
  checkVersion(ApiKey.FindCoordinator, version);
  w.string(req.key);
  if (version >= 1) w.int8(req.keyType);
}

export function encodeFindCoordinatorResponse(w: Writer, version: number, res: FindCoordinatorResponse): void {
  checkVersion(ApiKey.FindCoordinator, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
  if (version >= 1) w.nullableString(res.errorMessage);
  w.int32(res.nodeId).string(res.host).int32(res.port);
}

export function decodeFindCoordinatorResponse(r: Reader, version: number): FindCoordinatorResponse {
  checkVersion(ApiKey.FindCoordinator, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const errorCode = r.int16();
  const errorMessage = version >= 1 ? r.nullableString() : null;
  const nodeId = r.int32();
  const host = r.string();
  const port = r.int32();
  return { throttleTimeMs, errorCode, errorMessage, nodeId, host, port };
}
