import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * OffsetCommit Request (Version: 2-4) => group_id generation_id member_id retention_time_ms [topics]
 *   group_id => STRING  generation_id => INT32  member_id => STRING  retention_time_ms => INT64
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 committed_offset INT64 committed_metadata NULLABLE_STRING
 * Version 5+: retention_time_ms removed
 * Version 6+: partitions += committed_leader_epoch INT32 after committed_offset
 * Version 7: group_instance_id NULLABLE_STRING after member_id
 *
 * OffsetCommit Response (Version: 2) => [topics]
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 error_code INT16
 * Version 3+: throttle_time_ms INT32 first
 */

export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequestTopic {
  name: string;
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** -1: the broker's default retention. */
  retentionTimeMs: bigint;
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface OffsetCommitResponseTopic {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: OffsetCommitResponseTopic[];
}

export function decodeOffsetCommitRequest(r: Reader, version: number): OffsetCommitRequest {
  checkVersion(ApiKey.OffsetCommit, version);
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 7 ? r.nullableString() : null;
  const retentionTimeMs = version <= 4 ? r.int64() : -1n;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partitionIndex: r.int32(),
      committedOffset: r.int64(),
      committedLeaderEpoch: version >= 6 ? r.int32() : -1,
      committedMetadata: r.nullableString(),
    })),
  }));
  return { groupId, generationId, memberId, groupInstanceId, retentionTimeMs, topics };
}

export function encodeOffsetCommitRequest(w: Writer, version: number, req: OffsetCommitRequest): void {
  checkVersion(ApiKey.OffsetCommit, version);
  w.string(req.groupId).int32(req.generationId).string(req.memberId);
  if (version >= 7) w.nullableString(req.groupInstanceId);
  if (version <= 4) w.int64(req.retentionTimeMs);
  w.array(req.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int64(p.committedOffset);
      if (version >= 6) w.int32(p.committedLeaderEpoch);
      w.nullableString(p.committedMetadata);
    });
  });
}

export function encodeOffsetCommitResponse(w: Writer, version: number, res: OffsetCommitResponse): void {
  checkVersion(ApiKey.OffsetCommit, version);
  if (version >= 3) w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.partitionIndex).int16(p.errorCode));
  });
}

export function decodeOffsetCommitResponse(r: Reader, version: number): OffsetCommitResponse {
  checkVersion(ApiKey.OffsetCommit, version);
  const throttleTimeMs = version >= 3 ? r.int32() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ partitionIndex: r.int32(), errorCode: r.int16() })),
  }));
  return { throttleTimeMs, topics };
}
