import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * CreateTopics Request (Version: 0) => [topics] timeout_ms
 *   topics => name STRING num_partitions INT32 replication_factor INT16 [assignments] [configs]
 *     assignments => partition_index INT32 [broker_ids INT32]
 *     configs => name STRING value NULLABLE_STRING
 *   timeout_ms => INT32
 * Version 1-4: validate_only BOOLEAN at the end
 *
 * CreateTopics Response (Version: 0) => [topics]
 *   topics => name STRING error_code INT16
 * Version 1+: topics += error_message NULLABLE_STRING
 * Version 2+: throttle_time_ms INT32 first
 *
 * num_partitions / replication_factor of -1 mean the broker default (v4+; sent as-is before).
 */

export interface CreatableReplicaAssignment {
  partitionIndex: number;
  brokerIds: number[];
}

export interface CreateableTopicConfig {
  name: string;
  value: string | null;
}

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: CreatableReplicaAssignment[];
  configs: CreateableTopicConfig[];
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatableTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

export function decodeCreateTopicsRequest(r: Reader, version: number): CreateTopicsRequest {
  checkVersion(ApiKey.CreateTopics, version);
  const topics = r.array((r) => ({
    name: r.string(),
    numPartitions: r.int32(),
    replicationFactor: r.int16(),
    assignments: r.array((r) => ({ partitionIndex: r.int32(), brokerIds: r.array((r) => r.int32()) })),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  const timeoutMs = r.int32();
  const validateOnly = version >= 1 ? r.bool() : false;
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreateTopicsRequest(w: Writer, version: number, req: CreateTopicsRequest): void {
  checkVersion(ApiKey.CreateTopics, version);
  w.array(req.topics, (w, t) => {
    w.string(t.name).int32(t.numPartitions).int16(t.replicationFactor);
    w.array(t.assignments, (w, a) => w.int32(a.partitionIndex).array(a.brokerIds, (w, b) => w.int32(b)));
    w.array(t.configs, (w, c) => w.string(c.name).nullableString(c.value));
  });
  w.int32(req.timeoutMs);
  if (version >= 1) w.bool(req.validateOnly);
}

export function encodeCreateTopicsResponse(w: Writer, version: number, res: CreateTopicsResponse): void {
  checkVersion(ApiKey.CreateTopics, version);
  if (version >= 2) w.int32(res.throttleTimeMs);
  w.array(res.topics, (w, t) => {
    w.string(t.name).int16(t.errorCode);
    if (version >= 1) w.nullableString(t.errorMessage);
  });
}

export function decodeCreateTopicsResponse(r: Reader, version: number): CreateTopicsResponse {
  checkVersion(ApiKey.CreateTopics, version);
  const throttleTimeMs = version >= 2 ? r.int32() : 0;
  const topics = r.array((r) => ({
    name: r.string(),
    errorCode: r.int16(),
    errorMessage: version >= 1 ? r.nullableString() : null,
  }));
  return { throttleTimeMs, topics };
}
