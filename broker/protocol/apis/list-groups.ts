import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * ListGroups Request (Version: 0-2) => (empty)
 *
 * ListGroups Response (Version: 0) => error_code INT16 [groups]
 *   groups => group_id STRING protocol_type STRING
 * Version 1-2: throttle_time_ms INT32 first
 */

export type ListGroupsRequest = Record<string, never>;

export interface ListedGroup {
  groupId: string;
  protocolType: string;
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

export function decodeListGroupsRequest(_r: Reader, version: number): ListGroupsRequest {
  checkVersion(ApiKey.ListGroups, version);
  return {};
}

export function encodeListGroupsRequest(_w: Writer, version: number, _req: ListGroupsRequest): void {
  checkVersion(ApiKey.ListGroups, version);
}

export function encodeListGroupsResponse(w: Writer, version: number, res: ListGroupsResponse): void {
  checkVersion(ApiKey.ListGroups, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.int16(res.errorCode);
  w.array(res.groups, (w, g) => w.string(g.groupId).string(g.protocolType));
}

export function decodeListGroupsResponse(r: Reader, version: number): ListGroupsResponse {
  checkVersion(ApiKey.ListGroups, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const errorCode = r.int16();
  const groups = r.array((r) => ({ groupId: r.string(), protocolType: r.string() }));
  return { throttleTimeMs, errorCode, groups };
}
