import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * OffsetDelete Request (Version: 0) => group_id [topics]
 *   group_id => STRING
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32
 *
 * OffsetDelete Response (Version: 0) => error_code throttle_time_ms [topics]
 *   error_code => INT16
 *   throttle_time_ms => INT32
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 error_code INT16
 *
 * Never flexible.
 */

export interface OffsetDeleteRequestTopic {
  name: string;
  partitions: { partitionIndex: number }[];
}

export interface OffsetDeleteRequest {
  groupId: string;
  topics: OffsetDeleteRequestTopic[];
}

export interface OffsetDeleteResponseTopic {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

export interface OffsetDeleteResponse {
  errorCode: number;
  throttleTimeMs: number;
  topics: OffsetDeleteResponseTopic[];
}

export function decodeOffsetDeleteRequest(r: Reader, version: number): OffsetDeleteRequest {
  checkVersion(ApiKey.OffsetDelete, version);
  const groupId = r.string();
  const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ partitionIndex: r.int32() })) }));
  return { groupId, topics };
}

export function encodeOffsetDeleteRequest(w: Writer, version: number, req: OffsetDeleteRequest): void {
  checkVersion(ApiKey.OffsetDelete, version);
  w.string(req.groupId);
  w.array(req.topics, (w, t) => w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex)));
}

export function encodeOffsetDeleteResponse(w: Writer, version: number, res: OffsetDeleteResponse): void {
  checkVersion(ApiKey.OffsetDelete, version);
  w.int16(res.errorCode).int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex).int16(p.errorCode)));
}

export function decodeOffsetDeleteResponse(r: Reader, version: number): OffsetDeleteResponse {
  checkVersion(ApiKey.OffsetDelete, version);
  const errorCode = r.int16();
  const throttleTimeMs = r.int32();
  const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ partitionIndex: r.int32(), errorCode: r.int16() })) }));
  return { errorCode, throttleTimeMs, topics };
}
