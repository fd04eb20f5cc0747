import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { readArray, readString, readTags, writeArray, writeString, writeTags } from './flexible.js';
import { checkVersion } from './version-check.js';

/*
 * ListOffsets Request (Version: 1) => replica_id [topics]
 *   replica_id => INT32
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 timestamp INT64   (-1 latest, -2 earliest)
 * Version 2+: isolation_level INT8 after replica_id
 * Version 4+: partitions += current_leader_epoch INT32 after partition_index
 * Version 6+ (flexible): COMPACT_STRING names, COMPACT_ARRAYs, a TAG_BUFFER after each partition,
 *   each topic and the request
 * Version 7: timestamp -3 asks for the record with the largest timestamp (KIP-734)
 *
 * ListOffsets Response (Version: 1) => [topics]
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 error_code INT16 timestamp INT64 offset INT64
 * Version 2+: throttle_time_ms INT32 first
 * Version 4+: partitions += leader_epoch INT32 after offset
 * Version 6+ (flexible): compact forms and TAG_BUFFERs as in the request
 */

/** The first flexible version. */
const FLEXIBLE_FROM = 6;

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
/** The record with the largest timestamp (v7+). */
export const LIST_OFFSETS_MAX_TIMESTAMP = -3n;
/** The first version that may ask for LIST_OFFSETS_MAX_TIMESTAMP. */
export const LIST_OFFSETS_MAX_TIMESTAMP_MIN_VERSION = 7;

export function decodeListOffsetsRequest(r: Reader, version: number): ListOffsetsRequest {
  checkVersion(ApiKey.ListOffsets, version);
  const flex = version >= FLEXIBLE_FROM;
  const replicaId = r.int32();
  const isolationLevel = version >= 2 ? r.int8() : 0;
  const topics = readArray(r, flex, (r) => {
    const name = readString(r, flex);
    const partitions = readArray(r, flex, (r) => {
      const p = { partitionIndex: r.int32(), currentLeaderEpoch: version >= 4 ? r.int32() : -1, timestamp: r.int64() };
      readTags(r, flex);
      return p;
    });
    readTags(r, flex);
    return { name, partitions };
  });
  readTags(r, flex);
  return { replicaId, isolationLevel, topics };
}

export function encodeListOffsetsRequest(w: Writer, version: number, req: ListOffsetsRequest): void {
  checkVersion(ApiKey.ListOffsets, version);
  const flex = version >= FLEXIBLE_FROM;
  w.int32(req.replicaId);
  if (version >= 2) w.int8(req.isolationLevel);
  writeArray(w, flex, req.topics, (w, t) => {
    writeString(w, flex, t.name);
    writeArray(w, flex, t.partitions, (w, p) => {
      w.int32(p.partitionIndex);
      if (version >= 4) w.int32(p.currentLeaderEpoch);
      w.int64(p.timestamp);
      writeTags(w, flex);
    });
    writeTags(w, flex);
  });
  writeTags(w, flex);
}

export function encodeListOffsetsResponse(w: Writer, version: number, res: ListOffsetsResponse): void {
  checkVersion(ApiKey.ListOffsets, version);
  const flex = version >= FLEXIBLE_FROM;
  if (version >= 2) w.int32(res.throttleTimeMs);
  writeArray(w, flex, res.topics, (w, t) => {
    writeString(w, flex, t.name);
    writeArray(w, flex, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (version >= 4) w.int32(p.leaderEpoch);
      writeTags(w, flex);
    });
    writeTags(w, flex);
  });
  writeTags(w, flex);
}

export function decodeListOffsetsResponse(r: Reader, version: number): ListOffsetsResponse {
  checkVersion(ApiKey.ListOffsets, version);
  const flex = version >= FLEXIBLE_FROM;
  const throttleTimeMs = version >= 2 ? r.int32() : 0;
  const topics = readArray(r, flex, (r) => {
    const name = readString(r, flex);
    const partitions = readArray(r, flex, (r) => {
      const p = {
        partitionIndex: r.int32(),
        errorCode: r.int16(),
        timestamp: r.int64(),
        offset: r.int64(),
        leaderEpoch: version >= 4 ? r.int32() : -1,
      };
      readTags(r, flex);
      return p;
    });
    readTags(r, flex);
    return { name, partitions };
  });
  readTags(r, flex);
  return { throttleTimeMs, topics };
}
