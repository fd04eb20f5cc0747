import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * ListOffsets Request (Version: 1) => replica_id [topics]
 *   replica_id => INT32
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 timestamp INT64   (-1 latest, -2 earliest)
 * Version 2+: isolation_level INT8 after replica_id
 * Version 4+: partitions += current_leader_epoch INT32 after partition_index
 *
 * ListOffsets Response (Version: 1) => [topics]
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 error_code INT16 timestamp INT64 offset INT64
 * Version 2+: throttle_time_ms INT32 first
 * Version 4+: partitions += leader_epoch INT32 after offset
 */

export interface ListOffsetsRequestPartition {
  partitionIndex: number;
  currentLeaderEpoch: number;
  timestamp: bigint;
}

export interface ListOffsetsRequestTopic {
  name: string;
  partitions: ListOffsetsRequestPartition[];
}

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: ListOffsetsRequestTopic[];
}

export interface ListOffsetsResponsePartition {
  partitionIndex: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

export interface ListOffsetsResponseTopic {
  name: string;
  partitions: ListOffsetsResponsePartition[];
}

export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: ListOffsetsResponseTopic[];
}

/** Special timestamps of a ListOffsets partition. */
export const LIST_OFFSETS_LATEST_TIMESTAMP = -1n;
export const LIST_OFFSETS_EARLIEST_TIMESTAMP = -2n;

export function decodeListOffsetsRequest(r: Reader, version: number): ListOffsetsRequest {
  checkVersion(ApiKey.ListOffsets, version);
  const replicaId = r.int32();
  const isolationLevel = version >= 2 ? r.int8() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partitionIndex: r.int32(),
      currentLeaderEpoch: version >= 4 ? r.int32() : -1,
      timestamp: r.int64(),
    })),
  }));
  return { replicaId, isolationLevel, topics };
}

export function encodeListOffsetsRequest(w: Writer, version: number, req: ListOffsetsRequest): void {
  checkVersion(ApiKey.ListOffsets, version);
  w.int32(req.replicaId);
  if (version >= 2) w.int8(req.isolationLevel);
  w.array(req.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex);
      if (version >= 4) w.int32(p.currentLeaderEpoch);
      w.int64(p.timestamp);
    });
  });
}

export function encodeListOffsetsResponse(w: Writer, version: number, res: ListOffsetsResponse): void {
  checkVersion(ApiKey.ListOffsets, version);
  if (version >= 2) w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (version >= 4) w.int32(p.leaderEpoch);
    });
  });
}

export function decodeListOffsetsResponse(r: Reader, version: number): ListOffsetsResponse {
  checkVersion(ApiKey.ListOffsets, version);
  const throttleTimeMs = version >= 2 ? r.int32() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partitionIndex: r.int32(),
      errorCode: r.int16(),
      timestamp: r.int64(),
      offset: r.int64(),
      leaderEpoch: version >= 4 ? r.int32() : -1,
    })),
  }));
  return { throttleTimeMs, topics };
}
