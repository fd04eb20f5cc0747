/** The shapes the log shares with its callers (handlers, pipelines, CLI). */
import type { COMPRESSION_TYPES } from './manifest.js';

/** Kafka's compression.type: `producer` keeps batches as sent; any other codec is what the broker stores. */
export type CompressionType = (typeof COMPRESSION_TYPES)[number];

export interface TopicConfig {
  /** -1 keeps records forever. */
  retentionMs: number;
  /** -1 keeps any number of bytes. */
  retentionBytes: number;
  maxMessageBytes: number;
  compressionType: CompressionType;
}

export interface TopicInfo {
  name: string;
  /** A uuid, new for every creation of the name. */
  topicId: string;
  partitions: number;
  config: TopicConfig;
  createdAtMs: number;
}

export interface AppendResult {
  baseOffset: bigint;
  /** -1n: the batches keep their CreateTime. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** The batch was a retry of one already written; baseOffset is the original. */
  duplicate?: boolean;
}

export interface ReadResult {
  /** Whole RecordBatch v2 objects, offsets absolute. */
  records: Uint8Array[];
  highWatermark: bigint;
  logStartOffset: bigint;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}
