/**
 * The manifest: an append-only sequence of entries `manifest/<seq>`, each written once with
 * putIfAbsent, each a list of operations applied in order to the log state. A checkpoint
 * `checkpoints/<seq>` holds the whole state after entry <seq>; recovery = newest checkpoint
 * + the entries after it. Both are JSON (small, debuggable with cat); 64-bit numbers are
 * encoded as {"$n":"<decimal>"} so nothing is rounded through a double.
 */
import { z } from 'zod';
import { LOG_MANIFEST_ENTRY_MAX_BYTES } from '../constants.js';
import { attachmentOpSchemas, attachmentSchema } from './attachments.js';
import { pipelineOpSchemas, pipelineSnapshotSchema } from './pipelines.js';

export const MANIFEST_PREFIX = 'manifest/';
export const CHECKPOINT_PREFIX = 'checkpoints/';
export const MANIFEST_VERSION = 1;

const SEQ_DIGITS = 20;
export function entryKey(seq: number): string {
  return MANIFEST_PREFIX + String(seq).padStart(SEQ_DIGITS, '0');
}
export function checkpointKey(seq: number): string {
  return CHECKPOINT_PREFIX + String(seq).padStart(SEQ_DIGITS, '0');
}
/** The sequence number of a manifest or checkpoint key, or null for any other key. */
export function parseSeqKey(key: string, prefix: string): number | null {
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  if (!/^\d{20}$/.test(rest)) return null;
  const n = Number(rest);
  return Number.isSafeInteger(n) ? n : null;
}

const int64 = z.bigint().min(-(2n ** 63n)).max(2n ** 63n - 1n);
const int32 = z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
const uint32 = z.number().int().min(0).max(2 ** 32 - 1);

/** Kafka's compression.type values; `producer` keeps each batch as its producer compressed it. */
export const COMPRESSION_TYPES = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export const topicConfigSchema = z.object({
  retentionMs: z.number().int().min(-1),
  retentionBytes: z.number().int().min(-1),
  maxMessageBytes: z.number().int().min(1),
  /** Absent in entries written before topics could choose a codec. */
  compressionType: z.enum(COMPRESSION_TYPES).default('producer'),
});
export const topicInfoSchema = z.object({
  name: z.string(),
  topicId: z.string(),
  partitions: z.number().int().min(1),
  config: topicConfigSchema,
  createdAtMs: z.number(),
});
export const chunkSchema = z.object({
  segment: z.string(),
  topic: z.string(),
  partition: int32,
  first: int64,
  last: int64,
  start: uint32,
  end: uint32,
  maxTimestamp: int64,
});
const producerBatchSchema = z.object({ firstSeq: int32, lastSeq: int32, baseOffset: int64, lastOffset: int64 });

export const opSchema = z.discriminatedUnion('op', [
  /** A broker took over the manifest: every older epoch is fenced. */
  z.object({ op: z.literal('epoch'), epoch: uint32, brokerId: int32 }),
  z.object({ op: z.literal('createTopic'), topic: topicInfoSchema }),
  z.object({ op: z.literal('deleteTopic'), name: z.string(), topicId: z.string() }),
  /** CreatePartitions: the topic now has `partitions` partitions (never fewer); the new ones start empty. */
  z.object({ op: z.literal('createPartitions'), topic: z.string(), topicId: z.string(), partitions: z.number().int().min(1) }),
  /** AlterConfigs / IncrementalAlterConfigs: the topic's whole config from now on. */
  z.object({ op: z.literal('topicConfig'), topic: z.string(), topicId: z.string(), config: topicConfigSchema }),
  /** Records [first, last] of a partition are in a segment's byte range. */
  z.object({ op: z.literal('chunk'), topicId: z.string(), chunk: chunkSchema }),
  /** An idempotent batch was written: its sequence range and offsets, for dedup after restart. */
  z.object({
    op: z.literal('producerBatch'),
    producerId: int64,
    producerEpoch: int32,
    topic: z.string(),
    partition: int32,
    batch: producerBatchSchema,
  }),
  /** Producer ids below `next` are allocated. */
  z.object({ op: z.literal('producerIds'), next: int64 }),
  z.object({
    op: z.literal('commit'),
    group: z.string(),
    topic: z.string(),
    partition: int32,
    offset: int64,
    metadata: z.string().nullable(),
  }),
  /** DeleteGroups: every committed offset of the group is gone. */
  z.object({ op: z.literal('deleteGroup'), group: z.string() }),
  /** OffsetDelete: the group's committed offsets of these partitions are gone. */
  z.object({ op: z.literal('deleteOffsets'), group: z.string(), topic: z.string(), partitions: z.array(int32) }),
  /** Retention or DeleteRecords moved the log start; chunks wholly below it are dropped. */
  z.object({ op: z.literal('logStart'), topic: z.string(), topicId: z.string(), partition: int32, offset: int64 }),
  /** Compaction: `chunk` replaces every chunk of its partition within [chunk.first, chunk.last]. */
  z.object({ op: z.literal('compact'), topicId: z.string(), chunk: chunkSchema }),
  ...attachmentOpSchemas,
  ...pipelineOpSchemas,
]);
export type Op = z.infer<typeof opSchema>;

export const entrySchema = z.object({
  v: z.literal(MANIFEST_VERSION),
  seq: z.number().int().min(0),
  epoch: uint32,
  /** Unique per Log instance: tells "my entry whose reply was lost" from someone else's. */
  writer: z.string(),
  ops: z.array(opSchema),
});
export type ManifestEntry = z.infer<typeof entrySchema>;

const producerStateSchema = z.object({
  producerId: int64,
  producerEpoch: int32,
  topic: z.string(),
  partition: int32,
  batches: z.array(producerBatchSchema),
});
export type ProducerStateSnapshot = z.infer<typeof producerStateSchema>;

export const snapshotSchema = z.object({
  v: z.literal(MANIFEST_VERSION),
  seq: z.number().int().min(0),
  maxEpoch: uint32,
  nextProducerId: int64,
  topics: z.array(
    z.object({
      info: topicInfoSchema,
      partitions: z.array(z.object({ highWatermark: int64, logStart: int64, chunks: z.array(chunkSchema) })),
    }),
  ),
  producers: z.array(producerStateSchema),
  commits: z.array(
    z.object({ group: z.string(), topic: z.string(), partition: int32, offset: int64, metadata: z.string().nullable() }),
  ),
  /** Absent in checkpoints written before attachments existed. */
  attachments: z.array(attachmentSchema).default([]),
  /** Absent in checkpoints written before derived topics existed. */
  pipelines: z.array(pipelineSnapshotSchema).default([]),
});
export type StateSnapshot = z.infer<typeof snapshotSchema>;

export class CorruptManifestError extends Error {
  constructor(key: string, reason: string, options?: { cause?: unknown }) {
    super(`corrupt manifest object ${key}: ${reason}`, options);
    this.name = 'CorruptManifestError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $n: v.toString() } : v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const n = o['$n'];
    if (typeof n === 'string' && Object.keys(o).length === 1 && /^-?\d{1,20}$/.test(n)) return BigInt(n);
  }
  return v;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, replacer));
}

function decodeJson<T>(key: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes), reviver);
  } catch (err) {
    throw new CorruptManifestError(key, 'not JSON', { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CorruptManifestError(key, parsed.error.message);
  return parsed.data;
}

export function encodeEntry(entry: ManifestEntry): Uint8Array {
  const bytes = encodeJson(entry);
  if (bytes.byteLength > LOG_MANIFEST_ENTRY_MAX_BYTES) {
    throw new RangeError(`manifest entry of ${bytes.byteLength} bytes exceeds LOG_MANIFEST_ENTRY_MAX_BYTES`);
  }
  return bytes;
}
export function decodeEntry(key: string, bytes: Uint8Array): ManifestEntry {
  return decodeJson(key, bytes, entrySchema);
}
export function encodeSnapshot(s: StateSnapshot): Uint8Array {
  return encodeJson(s);
}
export function decodeSnapshot(key: string, bytes: Uint8Array): StateSnapshot {
  return decodeJson(key, bytes, snapshotSchema);
}
