import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * Produce Request (Version: 0-2) => acks timeout_ms [topic_data]
 * Produce Request (Version: 3-8) => transactional_id acks timeout_ms [topic_data]
 *   transactional_id => NULLABLE_STRING
 *   acks => INT16
 *   timeout_ms => INT32
 *   topic_data => name STRING [partition_data]
 *     partition_data => index INT32 records RECORDS (nullable bytes holding RecordBatch v2)
 *
 * Produce Response (Version: 0) => [responses]
 *   responses => name STRING [partition_responses]
 *     partition_responses => index INT32 error_code INT16 base_offset INT64
 * Version 1+: throttle_time_ms INT32 at the end
 * Version 2+: partition_responses += log_append_time_ms INT64
 * Version 5+: partition_responses += log_start_offset INT64
 * Version 8+: partition_responses += [record_errors] error_message
 *   record_errors => batch_index INT32 batch_index_error_message NULLABLE_STRING
 *   error_message => NULLABLE_STRING
 *
 * v3 is the first version whose records are RecordBatch v2; v0-2 exist only because librdkafka needs
 * them advertised to compress (see api-keys.ts): their magic 0/1 batches are refused per partition.
 */

export interface ProduceRequestPartition {
  index: number;
  records: Uint8Array | null;
}

export interface ProduceRequestTopic {
  name: string;
  partitionData: ProduceRequestPartition[];
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceRequestTopic[];
}

export interface ProduceRecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: ProduceRecordError[];
  errorMessage: string | null;
}

export interface ProduceTopicResponse {
  name: string;
  partitionResponses: ProducePartitionResponse[];
}

export interface ProduceResponse {
  responses: ProduceTopicResponse[];
  throttleTimeMs: number;
}

export function decodeProduceRequest(r: Reader, version: number): ProduceRequest {
  checkVersion(ApiKey.Produce, version);
  const transactionalId = version >= 3 ? r.nullableString() : null;
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topicData = r.array((r) => ({
    name: r.string(),
    partitionData: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
  }));
  return { transactionalId, acks, timeoutMs, topicData };
}

export function encodeProduceRequest(w: Writer, version: number, req: ProduceRequest): void {
  checkVersion(ApiKey.Produce, version);
  if (version >= 3) w.nullableString(req.transactionalId);
  w.int16(req.acks).int32(req.timeoutMs);
  w.array(req.topicData, (w, t) => {
    w.string(t.name);
    w.array(t.partitionData, (w, p) => w.int32(p.index).nullableBytes(p.records));
  });
}

export function encodeProduceResponse(w: Writer, version: number, res: ProduceResponse): void {
  checkVersion(ApiKey.Produce, version);
  w.array(res.responses, (w, t) => {
    w.string(t.name);
    w.array(t.partitionResponses, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) w.int64(p.logAppendTimeMs);
      if (version >= 5) w.int64(p.logStartOffset);
      if (version >= 8) {
        w.array(p.recordErrors, (w, e) => w.int32(e.batchIndex).nullableString(e.batchIndexErrorMessage));
        w.nullableString(p.errorMessage);
      }
    });
  });
  if (version >= 1) w.int32(res.throttleTimeMs);
}

export function decodeProduceResponse(r: Reader, version: number): ProduceResponse {
  checkVersion(ApiKey.Produce, version);
  const responses = r.array((r) => ({
    name: r.string(),
    partitionResponses: r.array(
      (r): ProducePartitionResponse => ({
        index: r.int32(),
        errorCode: r.int16(),
        baseOffset: r.int64(),
        logAppendTimeMs: version >= 2 ? r.int64() : -1n,
        logStartOffset: version >= 5 ? r.int64() : -1n,
        recordErrors: version >= 8 ? r.array((r) => ({ batchIndex: r.int32(), batchIndexErrorMessage: r.nullableString() })) : [],
        errorMessage: version >= 8 ? r.nullableString() : null,
      }),
    ),
  }));
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  return { responses, throttleTimeMs };
}
