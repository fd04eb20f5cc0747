import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * OffsetFetch Request (Version: 1) => group_id [topics]
 *   group_id => STRING
 *   topics => name STRING [partition_indexes INT32]
 * Version 2+: topics is nullable (null: every partition the group has committed)
 *
 * OffsetFetch Response (Version: 1) => [topics]
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 committed_offset INT64 metadata NULLABLE_STRING error_code INT16
 * Version 2+: error_code INT16 at the end (group-level)
 * Version 3+: throttle_time_ms INT32 first
 * Version 5+: partitions += committed_leader_epoch INT32 after committed_offset
 */

export interface OffsetFetchRequestTopic {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: all committed partitions (v2+). */
  topics: OffsetFetchRequestTopic[] | null;
}

export interface OffsetFetchResponsePartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponseTopic {
  name: string;
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: OffsetFetchResponseTopic[];
  errorCode: number;
}

export function decodeOffsetFetchRequest(r: Reader, version: number): OffsetFetchRequest {
  checkVersion(ApiKey.OffsetFetch, version);
  const groupId = r.string();
  const read = (r: Reader): OffsetFetchRequestTopic => ({ name: r.string(), partitionIndexes: r.array((r) => r.int32()) });
  const topics = version >= 2 ? r.nullableArray(read) : r.array(read);
  return { groupId, topics };
}

export function encodeOffsetFetchRequest(w: Writer, version: number, req: OffsetFetchRequest): void {
  checkVersion(ApiKey.OffsetFetch, version);
  w.string(req.groupId);
  const write = (w: Writer, t: OffsetFetchRequestTopic): void => {
    w.string(t.name).array(t.partitionIndexes, (w, p) => w.int32(p));
  };
  if (version >= 2) w.nullableArray(req.topics, write);
  else w.array(req.topics ?? [], write);
}

export function encodeOffsetFetchResponse(w: Writer, version: number, res: OffsetFetchResponse): void {
  checkVersion(ApiKey.OffsetFetch, version);
  if (version >= 3) w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int64(p.committedOffset);
      if (version >= 5) w.int32(p.committedLeaderEpoch);
      w.nullableString(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) w.int16(res.errorCode);
}

export function decodeOffsetFetchResponse(r: Reader, version: number): OffsetFetchResponse {
  checkVersion(ApiKey.OffsetFetch, version);
  const throttleTimeMs = version >= 3 ? r.int32() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partitionIndex: r.int32(),
      committedOffset: r.int64(),
      committedLeaderEpoch: version >= 5 ? r.int32() : -1,
      metadata: r.nullableString(),
      errorCode: r.int16(),
    })),
  }));
  const errorCode = version >= 2 ? r.int16() : 0;
  return { throttleTimeMs, topics, errorCode };
}
