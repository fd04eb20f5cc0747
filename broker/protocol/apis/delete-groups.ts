import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * DeleteGroups Request (Version: 0-1) => [groups_names STRING]
 *
 * DeleteGroups Response (Version: 0-1) => throttle_time_ms [results]
 *   throttle_time_ms => INT32
 *   results => group_id STRING error_code INT16
 *
 * v1 is v0; v2+ are flexible, not implemented.
 */

export interface DeleteGroupsRequest {
  groupsNames: string[];
}

export interface DeletableGroupResult {
  groupId: string;
  errorCode: number;
}

export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: DeletableGroupResult[];
}

export function decodeDeleteGroupsRequest(r: Reader, version: number): DeleteGroupsRequest {
  checkVersion(ApiKey.DeleteGroups, version);
  return { groupsNames: r.array((r) => r.string()) };
}

export function encodeDeleteGroupsRequest(w: Writer, version: number, req: DeleteGroupsRequest): void {
  checkVersion(ApiKey.DeleteGroups, version);
  w.array(req.groupsNames, (w, g) => w.string(g));
}

export function encodeDeleteGroupsResponse(w: Writer, version: number, res: DeleteGroupsResponse): void {
  checkVersion(ApiKey.DeleteGroups, version);
  w.int32(res.throttleTimeMs);
  w.array(res.results, (w, g) => w.string(g.groupId).int16(g.errorCode));
}

export function decodeDeleteGroupsResponse(r: Reader, version: number): DeleteGroupsResponse {
  checkVersion(ApiKey.DeleteGroups, version);
  const throttleTimeMs = r.int32();
  const results = r.array((r) => ({ groupId: r.string(), errorCode: r.int16() }));
  return { throttleTimeMs, results };
}
