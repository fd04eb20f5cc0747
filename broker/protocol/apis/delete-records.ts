import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * DeleteRecords Request (Version: 0-1) => [topics] timeout_ms
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 offset INT64   (-1: the high watermark)
 *   timeout_ms => INT32
 *
 * DeleteRecords Response (Version: 0-1) => throttle_time_ms [topics]
 *   throttle_time_ms => INT32
 *   topics => name STRING [partitions]
 *     partitions => partition_index INT32 low_watermark INT64 error_code INT16
 *
 * v1 is v0; v2+ are flexible, not implemented.
 */

export interface DeleteRecordsPartition {
  partitionIndex: number;
  offset: bigint;
}

export interface DeleteRecordsTopic {
  name: string;
  partitions: DeleteRecordsPartition[];
}

export interface DeleteRecordsRequest {
  topics: DeleteRecordsTopic[];
  timeoutMs: number;
}

export interface DeleteRecordsPartitionResult {
  partitionIndex: number;
  /** The partition's log start offset after the deletion; -1 with an error. */
  lowWatermark: bigint;
  errorCode: number;
}

export interface DeleteRecordsTopicResult {
  name: string;
  partitions: DeleteRecordsPartitionResult[];
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: DeleteRecordsTopicResult[];
}

/** Offset -1 deletes up to the high watermark. */
export const DELETE_RECORDS_TO_HIGH_WATERMARK = -1n;

export function decodeDeleteRecordsRequest(r: Reader, version: number): DeleteRecordsRequest {
  checkVersion(ApiKey.DeleteRecords, version);
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ partitionIndex: r.int32(), offset: r.int64() })),
  }));
  const timeoutMs = r.int32();
  return { topics, timeoutMs };
}

export function encodeDeleteRecordsRequest(w: Writer, version: number, req: DeleteRecordsRequest): void {
  checkVersion(ApiKey.DeleteRecords, version);
  w.array(req.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex).int64(p.offset));
  });
  w.int32(req.timeoutMs);
}

export function encodeDeleteRecordsResponse(w: Writer, version: number, res: DeleteRecordsResponse): void {
  checkVersion(ApiKey.DeleteRecords, version);
  w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partitionIndex).int64(p.lowWatermark).int16(p.errorCode));
  });
}

export function decodeDeleteRecordsResponse(r: Reader, version: number): DeleteRecordsResponse {
  checkVersion(ApiKey.DeleteRecords, version);
  const throttleTimeMs = r.int32();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ partitionIndex: r.int32(), lowWatermark: r.int64(), errorCode: r.int16() })),
  }));
  return { throttleTimeMs, topics };
}
