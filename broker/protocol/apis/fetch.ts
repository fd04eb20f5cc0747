import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * Fetch Request (Version: 4) => replica_id max_wait_ms min_bytes max_bytes isolation_level [topics]
 *   replica_id => INT32  max_wait_ms => INT32  min_bytes => INT32  max_bytes => INT32
 *   isolation_level => INT8
 *   topics => topic STRING [partitions]
 *     partitions => partition INT32 fetch_offset INT64 partition_max_bytes INT32
 * Version 5: partitions += log_start_offset INT64 after fetch_offset
 * Version 7: session_id INT32 session_epoch INT32 after isolation_level;
 *            [forgotten_topics_data topic STRING [partitions INT32]] after topics
 * Version 9: partitions += current_leader_epoch INT32 after partition
 * Version 11: rack_id STRING at the end
 *
 * v11 in full: replica_id max_wait_ms min_bytes max_bytes isolation_level session_id session_epoch
 *   [topics topic [partitions partition current_leader_epoch fetch_offset log_start_offset partition_max_bytes]]
 *   [forgotten_topics_data topic [partitions]] rack_id
 *
 * Fetch Response (Version: 4-6) => throttle_time_ms [responses]
 *   responses => topic STRING [partitions]
 *     partitions => partition_index INT32 error_code INT16 high_watermark INT64 last_stable_offset INT64
 *                   log_start_offset INT64 (v5+) [aborted_transactions producer_id INT64 first_offset INT64] (nullable)
 *                   preferred_read_replica INT32 (v11+) records RECORDS (nullable bytes)
 * Version 7+: error_code INT16 session_id INT32 after throttle_time_ms
 *
 * librdkafka 2.0 fails the whole response ("invalid MessageSetSize -1") when records is null:
 * a partition with nothing to return must carry an empty record set, not null.
 */

export interface FetchRequestPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  logStartOffset: bigint;
  partitionMaxBytes: number;
}

export interface FetchRequestTopic {
  topic: string;
  partitions: FetchRequestPartition[];
}

export interface FetchForgottenTopic {
  topic: string;
  partitions: number[];
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: FetchRequestTopic[];
  forgottenTopicsData: FetchForgottenTopic[];
  rackId: string;
}

export interface FetchAbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchResponsePartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: FetchAbortedTransaction[] | null;
  preferredReadReplica: number;
  records: Uint8Array | null;
  /**
   * Encode only: the records as whole batches in order, written one after another without first
   * joining them (a splicing writer sends them by reference). When present, `records` is ignored.
   */
  recordParts?: readonly Uint8Array[];
}

/** Bytes of a partition's records as they go on the wire. */
export function fetchRecordsBytes(p: FetchResponsePartition): number {
  if (p.recordParts === undefined) return p.records?.byteLength ?? 0;
  let n = 0;
  for (const part of p.recordParts) n += part.byteLength;
  return n;
}

export interface FetchResponseTopic {
  topic: string;
  partitions: FetchResponsePartition[];
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: FetchResponseTopic[];
}

export function decodeFetchRequest(r: Reader, version: number): FetchRequest {
  checkVersion(ApiKey.Fetch, version);
  const replicaId = r.int32();
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const isolationLevel = r.int8();
  const sessionId = version >= 7 ? r.int32() : 0;
  const sessionEpoch = version >= 7 ? r.int32() : -1;
  const topics = r.array((r) => ({
    topic: r.string(),
    partitions: r.array((r) => ({
      partition: r.int32(),
      currentLeaderEpoch: version >= 9 ? r.int32() : -1,
      fetchOffset: r.int64(),
      logStartOffset: version >= 5 ? r.int64() : -1n,
      partitionMaxBytes: r.int32(),
    })),
  }));
  const forgottenTopicsData =
    version >= 7 ? r.array((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) })) : [];
  const rackId = version >= 11 ? r.string() : '';
  return {
    replicaId,
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel,
    sessionId,
    sessionEpoch,
    topics,
    forgottenTopicsData,
    rackId,
  };
}

export function encodeFetchRequest(w: Writer, version: number, req: FetchRequest): void {
  checkVersion(ApiKey.Fetch, version);
  w.int32(req.replicaId).int32(req.maxWaitMs).int32(req.minBytes).int32(req.maxBytes).int8(req.isolationLevel);
  if (version >= 7) w.int32(req.sessionId).int32(req.sessionEpoch);
  w.array(req.topics, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition);
      if (version >= 9) w.int32(p.currentLeaderEpoch);
      w.int64(p.fetchOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      w.int32(p.partitionMaxBytes);
    });
  });
  if (version >= 7) {
    w.array(req.forgottenTopicsData, (w, t) => w.string(t.topic).array(t.partitions, (w, p) => w.int32(p)));
  }
  if (version >= 11) w.string(req.rackId);
}

export function encodeFetchResponse(w: Writer, version: number, res: FetchResponse): void {
  checkVersion(ApiKey.Fetch, version);
  w.int32(res.throttleTimeMs);
  if (version >= 7) w.int16(res.errorCode).int32(res.sessionId);
  w.array(res.responses, (w, t) => {
    w.string(t.topic);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      w.nullableArray(p.abortedTransactions, (w, a) => w.int64(a.producerId).int64(a.firstOffset));
      if (version >= 11) w.int32(p.preferredReadReplica);
      if (p.recordParts === undefined) w.nullableBytes(p.records);
      else {
        w.int32(fetchRecordsBytes(p));
        for (const part of p.recordParts) w.raw(part);
      }
    });
  });
}

export function decodeFetchResponse(r: Reader, version: number): FetchResponse {
  checkVersion(ApiKey.Fetch, version);
  const throttleTimeMs = r.int32();
  const errorCode = version >= 7 ? r.int16() : 0;
  const sessionId = version >= 7 ? r.int32() : 0;
  const responses = r.array((r) => ({
    topic: r.string(),
    partitions: r.array(
      (r): FetchResponsePartition => ({
        partitionIndex: r.int32(),
        errorCode: r.int16(),
        highWatermark: r.int64(),
        lastStableOffset: r.int64(),
        logStartOffset: version >= 5 ? r.int64() : -1n,
        abortedTransactions: r.nullableArray((r) => ({ producerId: r.int64(), firstOffset: r.int64() })),
        preferredReadReplica: version >= 11 ? r.int32() : -1,
        records: r.nullableBytes(),
      }),
    ),
  }));
  return { throttleTimeMs, errorCode, sessionId, responses };
}
