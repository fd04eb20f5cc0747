import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * CreatePartitions Request (Version: 0-1) => [topics] timeout_ms validate_only
 *   topics => name STRING count INT32 [assignments] (nullable: the broker chooses)
 *     assignments => [broker_ids INT32]        (one per new partition)
 *   timeout_ms => INT32
 *   validate_only => BOOLEAN
 *
 * CreatePartitions Response (Version: 0-1) => throttle_time_ms [results]
 *   throttle_time_ms => INT32
 *   results => name STRING error_code INT16 error_message NULLABLE_STRING
 *
 * v1 is v0 (it may answer THROTTLING_QUOTA_EXCEEDED from v3 on); v2+ are flexible, not implemented.
 */

export interface CreatePartitionsAssignment {
  brokerIds: number[];
}

export interface CreatePartitionsTopic {
  name: string;
  /** The new total partition count. */
  count: number;
  assignments: CreatePartitionsAssignment[] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: CreatePartitionsTopicResult[];
}

export function decodeCreatePartitionsRequest(r: Reader, version: number): CreatePartitionsRequest {
  checkVersion(ApiKey.CreatePartitions, version);
  const topics = r.array((r) => ({
    name: r.string(),
    count: r.int32(),
    assignments: r.nullableArray((r) => ({ brokerIds: r.array((r) => r.int32()) })),
  }));
  const timeoutMs = r.int32();
  const validateOnly = r.bool();
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreatePartitionsRequest(w: Writer, version: number, req: CreatePartitionsRequest): void {
  checkVersion(ApiKey.CreatePartitions, version);
  w.array(req.topics, (w, t) => {
    w.string(t.name).int32(t.count);
    w.nullableArray(t.assignments, (w, a) => w.array(a.brokerIds, (w, b) => w.int32(b)));
  });
  w.int32(req.timeoutMs).bool(req.validateOnly);
}

export function encodeCreatePartitionsResponse(w: Writer, version: number, res: CreatePartitionsResponse): void {
  checkVersion(ApiKey.CreatePartitions, version);
  w.int32(res.throttleTimeMs);
  w.array(res.results, (w, t) => w.string(t.name).int16(t.errorCode).nullableString(t.errorMessage));
}

export function decodeCreatePartitionsResponse(r: Reader, version: number): CreatePartitionsResponse {
  checkVersion(ApiKey.CreatePartitions, version);
  const throttleTimeMs = r.int32();
  const results = r.array((r) => ({ name: r.string(), errorCode: r.int16(), errorMessage: r.nullableString() }));
  return { throttleTimeMs, results };
}
