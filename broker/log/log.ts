/**
 * The log: every partition of every topic, kept on object storage only.
 *
 * Appends from all partitions share one buffer. A flush writes the buffered batches as ONE
 * segment object, then ONE manifest entry (putIfAbsent under the next sequence number) that
 * names the segment's per-partition byte ranges and any metadata changes. Only after the
 * entry is durable do high watermarks move and appends resolve. Up to flushPipelineMaxCount
 * flushes are in flight (one on a local disk, two for S3): the next segment is written while
 * the entry before it commits, and entries are written (and appends resolve) in order.
 */
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import {
  LOG_BUFFER_MAX_BYTES,
  LOG_CHECKPOINT_INTERVAL_ENTRIES,
  LOG_FENCE_CHECK_INTERVAL_MS,
  LOG_COMPACT_MIN_CHUNKS_COUNT,
  LOG_COMPACT_SMALL_CHUNK_BYTES,
  LOG_COMPACT_TARGET_BYTES,
  LOG_ACK_CHUNK_COUNT,
  LOG_FLUSH_INTERVAL_MS,
  LOG_FLUSH_MAX_BYTES,
  LOG_FLUSH_MAX_OPS_COUNT,
  LOG_FLUSH_PIPELINE_MAX_COUNT,
  LOG_MAINTENANCE_INTERVAL_MS,
  LOG_PENDING_APPENDS_MAX_COUNT,
  LOG_PRODUCER_DEDUP_BATCHES_COUNT,
  LOG_RECOVERY_FETCH_CONCURRENCY_COUNT,
  LOG_SEGMENT_MAX_BYTES,
  STORE_RETRY_BASE_MS,
  STORE_RETRY_MAX_COUNT,
  STORE_RETRY_MAX_MS,
  LOG_TAIL_CACHE_MAX_BYTES,
  TOPIC_MAX_MESSAGE_BYTES_DEFAULT,
  TOPIC_NAME_MAX_LENGTH,
  TOPIC_PARTITIONS_MAX_COUNT,
  TOPIC_RETENTION_BYTES_DEFAULT,
  TOPIC_RETENTION_MS_DEFAULT,
} from '../constants.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import { decodeRecords, parseBatchHeader, parseRecordSet, setBaseOffset, type RecordBatchView } from '../protocol/record-batch.js';
import {
  CorruptRecordError,
  FencedError,
  InvalidPartitionsError,
  InvalidProducerEpochError,
  InvalidTopicError,
  LogClosedError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  StorageError,
  TopicExistsError,
  UnknownPartitionError,
  UnknownProducerIdError,
  UnknownTopicError,
} from './errors.js';
import {
  CHECKPOINT_PREFIX,
  MANIFEST_PREFIX,
  MANIFEST_VERSION,
  checkpointKey,
  decodeEntry,
  decodeSnapshot,
  encodeEntry,
  encodeSnapshot,
  entryKey,
  parseSeqKey,
  type ManifestEntry,
  type Op,
} from './manifest.js';
import { isRetriable, sleep, withRetry } from './retry.js';
import { encodeSegment, parseSegmentKey, segmentKey, type Chunk, type ChunkInput } from './segment.js';
import { LogState, producerKey, type PartitionState, type ProducerBatch } from './state.js';
import { TailCache } from './tail-cache.js';
import type { AppendResult, CommittedOffset, ReadResult, TopicConfig, TopicInfo } from './types.js';

export interface LogOptions {
  store: ObjectStore;
  brokerId?: number;
  flushMaxBytes?: number;
  flushIntervalMs?: number;
  /** Flushes in flight at once (default LOG_FLUSH_PIPELINE_MAX_COUNT; the S3 profile uses LOG_S3_FLUSH_PIPELINE_MAX_COUNT). */
  flushPipelineMaxCount?: number;
  logger?: Logger;
  tailCacheMaxBytes?: number;
  now?: () => number;
  /** Interval of the background retention/compaction pass; 0 disables it (tests call runMaintenance). */
  maintenanceIntervalMs?: number;
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

interface PendingAppend extends Waiter<AppendResult> {
  topic: string;
  topicId: string;
  partition: number;
  bytes: Uint8Array;
  /** Views of each whole batch in `bytes`, for the tail cache. */
  batches: Uint8Array[];
  first: bigint;
  last: bigint;
  maxTimestamp: bigint;
  producer?: { producerId: bigint; producerEpoch: number; batch: PendingProducerBatch; key: string };
}

interface PendingOps extends Waiter<void> {
  ops: Op[];
}

interface Buffer {
  appends: PendingAppend[];
  metas: PendingOps[];
  bytes: number;
  opCount: number;
}

/** A flush in flight. */
interface FlushJob {
  batch: Buffer;
  /** Set when a flush ahead of it failed: its waiters were rejected with it, and it writes no entry. */
  rejected: boolean;
  /** Settles (never rejects) once the flush ended and its waiters are settled, after the flush ahead of it. */
  done: Promise<void>;
  /** Left `flushes`: its entry is written (or it failed); its acknowledgements may still be going out. */
  ended: boolean;
}

/** What a flush writes, before its sequence number is known. */
interface PreparedFlush {
  ops: Op[];
  segment?: { key: string; bytes: Uint8Array; arena: { buffer: Uint8Array } };
  cacheable: { chunk: Chunk; batches: Uint8Array[] }[];
}

/** The segment PUT of a flush failed after its retries. */
class SegmentPutError extends Error {
  constructor(key: string, cause: unknown) {
    super(`writing segment ${key} failed`, { cause });
  }
}

interface PendingProducerBatch extends ProducerBatch {
  /** Set while the batch is not yet durable: a retry of it waits for the original. */
  pending?: Promise<AppendResult>;
}

/** Producer state including appends not yet durable; dropped when those fail. */
interface ProducerOverlay {
  producerEpoch: number;
  batches: PendingProducerBatch[];
  pendingCount: number;
}

const INT32_MAX = 0x7fffffff;
const TOPIC_NAME_RE = /^[a-zA-Z0-9._-]+$/;

function emptyBuffer(): Buffer {
  return { appends: [], metas: [], bytes: 0, opCount: 0 };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function defer<T>(): { promise: Promise<T> } & Waiter<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The last sequence of a batch, wrapping past INT32_MAX to 0 as Kafka does. */
function lastSequence(first: number, delta: number): number {
  const s = first + delta;
  return s > INT32_MAX ? s - INT32_MAX - 1 : s;
}
function nextSequence(last: number): number {
  return last === INT32_MAX ? 0 : last + 1;
}

export function validateTopicName(name: string): void {
  if (name.length === 0) throw new InvalidTopicError(name, 'empty');
  if (name.length > TOPIC_NAME_MAX_LENGTH) throw new InvalidTopicError(name, `longer than ${TOPIC_NAME_MAX_LENGTH} characters`);
  if (name === '.' || name === '..') throw new InvalidTopicError(name, 'reserved name');
  if (!TOPIC_NAME_RE.test(name)) throw new InvalidTopicError(name, 'only ASCII letters, digits, ".", "_" and "-" are allowed');
}

/** An entry we could not confirm or deny after all retries: nothing may be written until we know. */
class EntryInDoubtError extends Error {
  constructor(readonly seq: number, options?: { cause?: unknown }) {
    super(`manifest entry ${seq}: could not tell whether it was written`, options);
  }
}

export class Log {
  private readonly store: ObjectStore;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly flushMaxBytes: number;
  private readonly flushIntervalMs: number;
  private readonly flushPipelineMaxCount: number;
  private readonly brokerId: number;
  private readonly writer = randomUUID();
  private readonly cache: TailCache;
  private state = new LogState();
  private epoch = 0;
  private segmentCounter = 0;

  private buffer = emptyBuffer();
  /** When the oldest item of the buffer arrived (performance.now()); the time bound counts from it. */
  private bufferSinceMs = 0;
  /** While > 0, flush() is waiting: flush without waiting for the time bound. */
  private forcing = 0;
  /** Flushes in flight, oldest first; each commits its entry only after the one before it ended. */
  private readonly flushes: FlushJob[] = [];
  /** The newest flush started, until it settled all its waiters: the next one acknowledges only after it. */
  private lastFlushDone: Promise<void> | undefined;
  private timer: NodeJS.Timeout | null = null;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;
  private maintenanceRunning: Promise<void> | null = null;
  private checkpointing: Promise<void> | null = null;
  private lastCheckpointSeq = -1;
  /** Waiters for buffer space (backpressure). */
  private spaceWaiters: (() => void)[] = [];
  private dataWaiters = new Set<{ check: () => boolean; done: () => void }>();

  /** Next offset to assign, for partitions with appends not yet durable (`topicId:partition`). */
  private readonly nextOffsets = new Map<string, bigint>();
  private readonly producerOverlay = new Map<string, ProducerOverlay>();
  private reservedProducerId = 0n;
  private readonly pendingCreates = new Set<string>();
  private readonly pendingDeletes = new Set<string>();
  private inDoubt: { seq: number; bytes: Uint8Array; ops: Op[]; segment?: string } | null = null;
  /** Segment buffers reused from flush to flush, one per flush in flight at most: fresh pages cost more than the copy. */
  private readonly freeArenas: { buffer: Uint8Array }[] = [];
  private resolvingDoubt: Promise<void> | null = null;
  private fencedBy = 0;
  private closed = false;

  private constructor(opts: LogOptions) {
    this.store = opts.store;
    this.log = opts.logger ?? pino({ enabled: false });
    this.now = opts.now ?? Date.now;
    this.flushMaxBytes = Math.min(opts.flushMaxBytes ?? LOG_FLUSH_MAX_BYTES, LOG_SEGMENT_MAX_BYTES / 2);
    this.flushIntervalMs = opts.flushIntervalMs ?? LOG_FLUSH_INTERVAL_MS;
    this.flushPipelineMaxCount = opts.flushPipelineMaxCount ?? LOG_FLUSH_PIPELINE_MAX_COUNT;
    if (!Number.isInteger(this.flushPipelineMaxCount) || this.flushPipelineMaxCount < 1) throw new RangeError(`flushPipelineMaxCount must be a positive integer, got ${this.flushPipelineMaxCount}`);
    this.brokerId = opts.brokerId ?? 0;
    this.cache = new TailCache(opts.tailCacheMaxBytes ?? LOG_TAIL_CACHE_MAX_BYTES);
  }

  /** Recovers the state from the bucket alone and claims the next epoch (fencing older brokers). */
  static async open(opts: LogOptions): Promise<Log> {
    const log = new Log(opts);
    await log.recover();
    await log.claimEpoch();
    log.reservedProducerId = log.state.nextProducerId;
    const interval = opts.maintenanceIntervalMs ?? LOG_MAINTENANCE_INTERVAL_MS;
    if (interval > 0) {
      log.maintenanceTimer = setInterval(() => void log.runMaintenance().catch((err) => log.log.warn({ err }, 'log maintenance failed')), interval);
      log.maintenanceTimer.unref();
    }
    void log.collectOrphans().catch((err) => log.log.warn({ err }, 'orphan segment collection failed'));
    log.fenceTimer = setInterval(() => void log.checkFenced(), LOG_FENCE_CHECK_INTERVAL_MS);
    log.fenceTimer.unref();
    return log;
  }

  get fenced(): boolean {
    return this.fencedBy > 0;
  }

  /** This broker's epoch in the manifest. */
  get brokerEpoch(): number {
    return this.epoch;
  }

  // ---------------------------------------------------------------- recovery

  private async recover(): Promise<void> {
    const checkpoints = await withRetry(() => this.store.list(CHECKPOINT_PREFIX));
    let after: string | undefined;
    for (let i = checkpoints.length - 1; i >= 0; i--) {
      const key = checkpoints[i]!.key;
      const seq = parseSeqKey(key, CHECKPOINT_PREFIX);
      if (seq === null) continue;
      const snap = decodeSnapshot(key, await withRetry(() => this.store.get(key)));
      if (snap.seq !== seq) throw new Error(`checkpoint ${key} holds seq ${snap.seq}`);
      this.state = LogState.fromSnapshot(snap);
      this.lastCheckpointSeq = seq;
      after = entryKey(seq);
      break;
    }
    await this.replayEntries(after);
    this.log.info({ seq: this.state.seq, topics: this.state.topics.size }, 'log recovered');
  }

  /** Applies every manifest entry after `after` (a key) in order. */
  private async replayEntries(after?: string): Promise<void> {
    const keys = (await withRetry(() => this.store.list(MANIFEST_PREFIX, after))).map((o) => o.key).filter((k) => {
      const seq = parseSeqKey(k, MANIFEST_PREFIX);
      return seq !== null && seq > this.state.seq;
    });
    // Fetch a window of entries at a time (S3 GETs are slow one by one), apply them in order.
    for (let i = 0; i < keys.length; i += LOG_RECOVERY_FETCH_CONCURRENCY_COUNT) {
      const window = keys.slice(i, i + LOG_RECOVERY_FETCH_CONCURRENCY_COUNT);
      const bodies = await Promise.all(window.map((k) => withRetry(() => this.store.get(k))));
      window.forEach((key, j) => {
        const seq = parseSeqKey(key, MANIFEST_PREFIX)!;
        if (seq !== this.state.seq + 1) throw new Error(`manifest gap: entry ${seq} follows ${this.state.seq}`);
        const entry = decodeEntry(key, bodies[j]!);
        if (entry.seq !== seq) throw new Error(`manifest entry ${key} holds seq ${entry.seq}`);
        this.applyEntry(entry);
      });
    }
  }

  private applyEntry(entry: ManifestEntry): void {
    if (entry.seq !== this.state.seq + 1) throw new Error(`manifest invariant: applying entry ${entry.seq} after ${this.state.seq}`);
    for (const op of entry.ops) this.state.apply(op);
    this.state.seq = entry.seq;
  }

  private async claimEpoch(): Promise<void> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const epoch = this.state.maxEpoch + 1;
      const entry: ManifestEntry = { v: MANIFEST_VERSION, seq: this.state.seq + 1, epoch, writer: this.writer, ops: [{ op: 'epoch', epoch, brokerId: this.brokerId }] };
      const outcome = await this.writeEntry(entry.seq, encodeEntry(entry));
      if (outcome === 'written') {
        this.applyEntry(entry);
        this.epoch = epoch;
        this.log.info({ epoch, seq: entry.seq }, 'claimed broker epoch');
        return;
      }
      // Another broker wrote that sequence number: catch up and try the next one.
      await this.replayEntries(entryKey(this.state.seq));
    }
    throw new StorageError('could not claim a broker epoch: the manifest keeps moving');
  }

  // ---------------------------------------------------------------- topics

  listTopics(): TopicInfo[] {
    return [...this.state.topics.values()].map((t) => t.info);
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.state.topics.get(name)?.info;
  }

  async createTopic(name: string, partitions: number, config?: Partial<TopicConfig>): Promise<TopicInfo> {
    validateTopicName(name);
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidPartitionsError(partitions, 'must be at least 1');
    if (partitions > TOPIC_PARTITIONS_MAX_COUNT) throw new InvalidPartitionsError(partitions, `at most ${TOPIC_PARTITIONS_MAX_COUNT}`);
    this.checkWritable();
    if ((this.state.topics.has(name) && !this.pendingDeletes.has(name)) || this.pendingCreates.has(name)) throw new TopicExistsError(name);
    const info: TopicInfo = {
      name,
      topicId: randomUUID(),
      partitions,
      config: {
        retentionMs: config?.retentionMs ?? TOPIC_RETENTION_MS_DEFAULT,
        retentionBytes: config?.retentionBytes ?? TOPIC_RETENTION_BYTES_DEFAULT,
        maxMessageBytes: config?.maxMessageBytes ?? TOPIC_MAX_MESSAGE_BYTES_DEFAULT,
      },
      createdAtMs: this.now(),
    };
    this.pendingCreates.add(name);
    try {
      await this.enqueueOps([{ op: 'createTopic', topic: info }]);
    } finally {
      this.pendingCreates.delete(name);
    }
    return info;
  }

  async deleteTopic(name: string): Promise<void> {
    const t = this.state.topics.get(name);
    if (!t || this.pendingDeletes.has(name)) throw new UnknownTopicError(name);
    this.checkWritable();
    this.pendingDeletes.add(name);
    try {
      await this.enqueueOps([{ op: 'deleteTopic', name, topicId: t.info.topicId }]);
    } finally {
      this.pendingDeletes.delete(name);
    }
  }

  private partitionOrThrow(topic: string, partition: number): PartitionState {
    const t = this.state.topics.get(topic);
    if (!t) throw new UnknownTopicError(topic);
    const p = t.partitions[partition];
    if (!p) throw new UnknownPartitionError(topic, partition);
    return p;
  }

  highWatermark(topic: string, partition: number): bigint {
    return this.partitionOrThrow(topic, partition).highWatermark;
  }

  logStartOffset(topic: string, partition: number): bigint {
    return this.partitionOrThrow(topic, partition).logStart;
  }

  // ---------------------------------------------------------------- append

  private checkWritable(): void {
    if (this.fenced) throw new FencedError(this.epoch, this.fencedBy);
    if (this.closed) throw new LogClosedError();
    if (this.inDoubt) {
      void this.resolveDoubt();
      throw new StorageError(`manifest entry ${this.inDoubt.seq} is in doubt; retry shortly`);
    }
  }

  /**
   * One or more RecordBatch v2 as the producer sent them (CRC already verified by the caller).
   * Assigns offsets, rewrites the base offsets, buffers, and resolves only after the segment
   * object and its manifest entry are durable. The log takes `recordSet` over: it rewrites
   * the base offsets in place and may keep it (tail cache), so the caller must not reuse it.
   */
  append(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    // Not an async function: the usual append returns its waiter's promise as is, instead of
    // a second promise that adopts it (two more microtasks and objects per append). Errors
    // still arrive as a rejected promise, never thrown.
    try {
      this.checkWritable();
      return this.bufferFull() ? this.appendWhenSpace(topic, partition, recordSet) : this.appendNow(topic, partition, recordSet);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Whether appends must wait for a flush to take the buffer (backpressure). */
  private bufferFull(): boolean {
    return this.buffer.bytes >= LOG_BUFFER_MAX_BYTES || this.buffer.appends.length >= LOG_PENDING_APPENDS_MAX_COUNT;
  }

  private async appendWhenSpace(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    while (this.bufferFull()) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      this.checkWritable();
    }
    return this.appendNow(topic, partition, recordSet);
  }

  private appendNow(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    const t = this.state.topics.get(topic);
    if (!t || this.pendingDeletes.has(topic)) throw new UnknownTopicError(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions.length) throw new UnknownPartitionError(topic, partition);
    const batches = parseRecordSet(recordSet);
    if (batches.length === 0) throw new CorruptRecordError('no record batch');
    for (const b of batches) {
      if (b.bytes.byteLength > t.info.config.maxMessageBytes) throw new RecordTooLargeError(b.bytes.byteLength, t.info.config.maxMessageBytes);
      if (b.header.lastOffsetDelta < 0) throw new CorruptRecordError(`batch at byte ${b.position} has lastOffsetDelta ${b.header.lastOffsetDelta}`);
    }
    if (recordSet.byteLength > LOG_SEGMENT_MAX_BYTES / 2) throw new RecordTooLargeError(recordSet.byteLength, LOG_SEGMENT_MAX_BYTES / 2);

    const p = t.partitions[partition]!;
    const offsetKey = `${t.info.topicId}:${partition}`;
    const base = this.nextOffsets.get(offsetKey) ?? p.highWatermark;
    const first = batches[0]!.header;
    // Offsets counted as a double (int32 deltas, at most a segment of batches): one bigint, not three per batch.
    let count = 0;
    for (const b of batches) count += b.header.lastOffsetDelta + 1;
    const last = base + BigInt(count) - 1n;

    let producer: PendingAppend['producer'];
    if (first.producerId >= 0n) {
      const headers = batches.map((b) => b.header);
      const dup = this.checkProducer(topic, partition, headers, p);
      if (dup) return dup;
      const key = producerKey(first.producerId, topic, partition);
      const lastH = headers[headers.length - 1]!;
      const batch: PendingProducerBatch = {
        firstSeq: first.baseSequence,
        lastSeq: lastSequence(lastH.baseSequence, lastH.lastOffsetDelta),
        baseOffset: base,
        lastOffset: last,
      };
      producer = { producerId: first.producerId, producerEpoch: first.producerEpoch, batch, key };
    }

    // Offsets are fixed now, in buffer order. Fresh memory costs more than the copy (page
    // faults), so a record set that is most of its buffer is kept as is; a small view into a
    // big buffer is copied so the tail cache never pins much more than it counts.
    const bytes = recordSet.byteLength * 2 >= recordSet.buffer.byteLength ? recordSet : recordSet.slice();
    let offset = base;
    let maxTimestamp = -1n;
    const views: Uint8Array[] = [];
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      // Kept as is, the parser's views already are the batches (no second view per batch).
      const view = bytes === recordSet ? b.bytes : bytes.subarray(b.position, b.position + b.bytes.byteLength);
      setBaseOffset(view, offset);
      views.push(view);
      if (i + 1 < batches.length) offset += BigInt(b.header.lastOffsetDelta + 1);
      if (b.header.maxTimestamp > maxTimestamp) maxTimestamp = b.header.maxTimestamp;
    }
    if (base < p.highWatermark) throw new Error(`log invariant: offset ${base} below high watermark ${p.highWatermark}`);
    if (batches.length > 1 && offset + BigInt(batches[batches.length - 1]!.header.lastOffsetDelta) !== last) {
      throw new Error(`log invariant: batches of ${topic}-${partition} do not end at ${last}`);
    }
    this.nextOffsets.set(offsetKey, last + 1n);

    const d = defer<AppendResult>();
    const pending: PendingAppend = { topic, topicId: t.info.topicId, partition, bytes, batches: views, first: base, last, maxTimestamp, producer, resolve: d.resolve, reject: d.reject };
    if (producer) {
      producer.batch.pending = d.promise;
      let o = this.producerOverlay.get(producer.key);
      if (!o || o.producerEpoch !== producer.producerEpoch) {
        const durable = this.state.producers.get(producer.key);
        o = {
          producerEpoch: producer.producerEpoch,
          batches: durable && durable.producerEpoch === producer.producerEpoch ? [...durable.batches] : [],
          // Batches of the old epoch still in flight keep the overlay alive until they land.
          pendingCount: o?.pendingCount ?? 0,
        };
        this.producerOverlay.set(producer.key, o);
      }
      o.batches.push(producer.batch);
      if (o.batches.length > LOG_PRODUCER_DEDUP_BATCHES_COUNT) o.batches.shift();
      o.pendingCount++;
      // The original caller handles rejection; this keeps a dangling copy from being "unhandled".
      d.promise.catch(() => undefined);
    }
    this.noteFirstItem();
    this.buffer.appends.push(pending);
    this.buffer.bytes += bytes.byteLength;
    this.buffer.opCount += producer ? 2 : 1;
    this.scheduleFlush();
    return d.promise;
  }

  /** Idempotence: returns the original result for a duplicate, throws for a bad sequence, else undefined. */
  private checkProducer(topic: string, partition: number, headers: RecordBatchView['header'][], p: PartitionState): Promise<AppendResult> | undefined {
    const h = headers[0]!;
    for (const x of headers) {
      if (x.producerId !== h.producerId || x.producerEpoch !== h.producerEpoch) throw new CorruptRecordError('batches of one record set from different producers');
    }
    if (h.producerId >= this.state.nextProducerId) throw new UnknownProducerIdError(h.producerId);
    const key = producerKey(h.producerId, topic, partition);
    const cur = this.producerOverlay.get(key) ?? this.state.producers.get(key);
    if (cur && h.producerEpoch < cur.producerEpoch) throw new InvalidProducerEpochError(h.producerId, h.producerEpoch, cur.producerEpoch);
    const batches: PendingProducerBatch[] = cur && cur.producerEpoch === h.producerEpoch ? cur.batches : [];
    const lastH = headers[headers.length - 1]!;
    const lastSeq = lastSequence(lastH.baseSequence, lastH.lastOffsetDelta);
    const dup = batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
    if (dup) {
      const original = dup.pending;
      if (original) return original.then((r) => ({ ...r, duplicate: true }));
      return Promise.resolve({ baseOffset: dup.baseOffset, logAppendTimeMs: -1n, logStartOffset: p.logStart, duplicate: true });
    }
    const expected = batches.length > 0 ? nextSequence(batches[batches.length - 1]!.lastSeq) : 0;
    if (h.baseSequence !== expected) throw new OutOfOrderSequenceError(h.producerId, expected, h.baseSequence);
    // Within the record set the batches must follow each other too.
    let next = nextSequence(lastSequence(h.baseSequence, h.lastOffsetDelta));
    for (const x of headers.slice(1)) {
      if (x.baseSequence !== next) throw new OutOfOrderSequenceError(h.producerId, next, x.baseSequence);
      next = nextSequence(lastSequence(x.baseSequence, x.lastOffsetDelta));
    }
    return undefined;
  }

  async allocateProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    this.checkWritable();
    if (this.reservedProducerId < this.state.nextProducerId) this.reservedProducerId = this.state.nextProducerId;
    // Reserved ids are never handed out twice, even when their entry fails.
    const producerId = this.reservedProducerId++;
    await this.enqueueOps([{ op: 'producerIds', next: producerId + 1n }]);
    return { producerId, producerEpoch: 0 };
  }

  async commitOffsets(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    this.checkWritable();
    const ops: Op[] = offsets.map((o) => ({ op: 'commit' as const, group: groupId, topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata }));
    // Keep every manifest entry within its bound, however many partitions one commit names.
    const parts: Promise<void>[] = [];
    for (let i = 0; i < ops.length; i += LOG_FLUSH_MAX_OPS_COUNT) parts.push(this.enqueueOps(ops.slice(i, i + LOG_FLUSH_MAX_OPS_COUNT)));
    await Promise.all(parts);
  }

  fetchOffsets(groupId: string, partitions?: { topic: string; partition: number }[]): CommittedOffset[] {
    if (partitions) {
      return partitions.map(({ topic, partition }) => {
        const c = this.state.fetchCommitted(groupId, topic, partition);
        return { topic, partition, offset: c?.offset ?? -1n, metadata: c?.metadata ?? null };
      });
    }
    const g = this.state.commits.get(groupId);
    return g ? [...g.values()].map((c) => ({ ...c })) : [];
  }

  private enqueueOps(ops: Op[]): Promise<void> {
    const d = defer<void>();
    this.noteFirstItem();
    this.buffer.metas.push({ ops, resolve: d.resolve, reject: d.reject });
    this.buffer.opCount += ops.length;
    this.scheduleFlush();
    return d.promise;
  }

  // ---------------------------------------------------------------- flush

  private noteFirstItem(): void {
    if (this.buffer.appends.length === 0 && this.buffer.metas.length === 0) this.bufferSinceMs = performance.now();
  }

  private bufferEmpty(): boolean {
    return this.buffer.appends.length === 0 && this.buffer.metas.length === 0;
  }

  /** Whether the buffer must be flushed now: a size bound reached, its time bound passed, or flush() waiting. */
  private bufferDue(): boolean {
    const b = this.buffer;
    return (
      this.forcing > 0 ||
      b.bytes >= this.flushMaxBytes ||
      b.opCount >= LOG_FLUSH_MAX_OPS_COUNT ||
      b.appends.length >= LOG_PENDING_APPENDS_MAX_COUNT ||
      performance.now() - this.bufferSinceMs >= this.flushIntervalMs
    );
  }

  /** Whether a flush may start now: the buffer is due and fewer than the pipeline bound are in flight. */
  private canStartFlush(): boolean {
    return !this.bufferEmpty() && !this.fenced && this.flushes.length < this.flushPipelineMaxCount && this.bufferDue();
  }

  private scheduleFlush(): void {
    if (this.bufferEmpty()) return;
    if (this.canStartFlush()) {
      this.kick();
    } else if (this.flushes.length < this.flushPipelineMaxCount && !this.timer) {
      // (At the pipeline bound, the end of the oldest flush looks again.)
      const wait = Math.max(0, this.flushIntervalMs - (performance.now() - this.bufferSinceMs));
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, Math.ceil(wait));
    }
  }

  /** Starts as many flushes as may start now. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.canStartFlush()) {
      const batch = this.takeBatch();
      for (const w of this.spaceWaiters.splice(0)) w();
      const prev = this.lastFlushDone;
      const job: FlushJob = { batch, rejected: false, done: Promise.resolve(), ended: false };
      job.done = this.flushOne(job, prev).then(() => this.endFlush(job));
      this.lastFlushDone = job.done;
      this.flushes.push(job);
    }
    // A timer can fire a hair before the time bound by performance.now(): arm it again.
    if (!this.fenced) this.scheduleFlush();
  }

  /** A flush leaves the pipeline (once): whatever arrived meanwhile is flushed now if due, else the timer is armed. */
  private endFlush(job: FlushJob): void {
    if (job.ended) return;
    job.ended = true;
    // Each flush ends after the one before it (it waits for it), so they leave in order.
    if (this.flushes[0] !== job) throw new Error('log invariant: flushes ended out of order');
    this.flushes.shift();
    if (!this.fenced) this.scheduleFlush();
  }

  /** Takes up to one flush worth (bytes and ops) from the buffer; the rest stays for the next flush. */
  private takeBatch(): Buffer {
    const b = this.buffer;
    this.buffer = emptyBuffer();
    if (b.bytes <= this.flushMaxBytes && b.opCount <= LOG_FLUSH_MAX_OPS_COUNT) return b;
    const out = emptyBuffer();
    const addAppend = (to: Buffer, a: PendingAppend): void => {
      to.appends.push(a);
      to.bytes += a.bytes.byteLength;
      to.opCount += a.producer ? 2 : 1;
    };
    for (const a of b.appends) {
      const fits = out.appends.length === 0 || (this.buffer.appends.length === 0 && out.bytes + a.bytes.byteLength <= this.flushMaxBytes && out.opCount < LOG_FLUSH_MAX_OPS_COUNT);
      addAppend(fits ? out : this.buffer, a);
    }
    for (const m of b.metas) {
      const to = this.buffer.appends.length === 0 && this.buffer.metas.length === 0 && (out.opCount === 0 || out.opCount + m.ops.length <= LOG_FLUSH_MAX_OPS_COUNT) ? out : this.buffer;
      to.metas.push(m);
      to.opCount += m.ops.length;
    }
    return out;
  }

  /**
   * One flush: lay out and PUT the segment (beside the flush ahead, if any), then, once the
   * flush ahead has ended, write the manifest entry under the next sequence number. Never
   * throws; whatever goes wrong, every waiter of the batch is settled, and never before the
   * flush ahead has ended (failing rejects everything behind, and forgets offsets that the
   * flush ahead may still make durable).
   */
  private async flushOne(job: FlushJob, prev: Promise<void> | undefined): Promise<void> {
    let prepared: PreparedFlush | undefined;
    let failure: unknown;
    try {
      prepared = this.prepareFlush(job.batch);
      if (prepared.segment) await this.putSegment(prepared.segment);
    } catch (err) {
      failure = err;
    }
    await prev;
    const segmentKey = prepared?.segment?.key;
    if (job.rejected) {
      // A flush ahead failed: our waiters were rejected with it and no entry may name the segment.
      if (segmentKey) void this.store.delete(segmentKey).catch(() => undefined);
      return;
    }
    try {
      if (failure !== undefined) throw failure;
      await this.commitBatch(job, prepared!);
    } catch (err) {
      const unexpected = !(err instanceof SegmentPutError);
      if (unexpected) this.log.error({ err }, 'flush failed unexpectedly; appends rejected');
      else this.log.warn({ err: err.cause }, 'segment write failed; appends rejected');
      this.failAll(job.batch, new StorageError(unexpected ? 'flush failed' : `writing segment ${segmentKey}`, { cause: unexpected ? err : err.cause }));
      // No manifest entry names it, so nobody needs it.
      if (segmentKey) void this.store.delete(segmentKey).catch(() => undefined);
    }
  }

  /** Groups the batch per partition, lays out its segment and the entry's operations (sequence number still open). */
  private prepareFlush(batch: Buffer): PreparedFlush {
    const ops: Op[] = [];
    let segment: PreparedFlush['segment'];
    const cacheable: { chunk: Chunk; batches: Uint8Array[] }[] = [];
    if (batch.appends.length > 0) {
      // Group per partition (keeping offset order) so each partition is one contiguous range.
      const groups = new Map<string, { topicId: string; input: ChunkInput }>();
      for (const a of batch.appends) {
        const k = `${a.topicId}:${a.partition}`;
        let g = groups.get(k);
        if (!g) {
          g = { topicId: a.topicId, input: { topic: a.topic, partition: a.partition, first: a.first, last: a.last, maxTimestamp: a.maxTimestamp, batches: [] } };
          groups.set(k, g);
        }
        if (a.first !== (g.input.batches.length === 0 ? g.input.first : g.input.last + 1n)) {
          throw new Error(`log invariant: ${a.topic}-${a.partition} offsets not contiguous in flush (${a.first} after ${g.input.last})`);
        }
        // One view per batch: the segment covers each batch's header, the tail cache keeps them as they are.
        for (const v of a.batches) g.input.batches.push(v);
        g.input.last = a.last;
        if (a.maxTimestamp > g.input.maxTimestamp) g.input.maxTimestamp = a.maxTimestamp;
      }
      const key = segmentKey(this.epoch, ++this.segmentCounter);
      const list = [...groups.values()];
      const arena = this.freeArenas.pop() ?? { buffer: new Uint8Array(0) };
      let encoded;
      try {
        encoded = encodeSegment(key, this.epoch, list.map((g) => g.input), arena);
      } catch (err) {
        this.freeArenas.push(arena);
        throw err;
      }
      segment = { key, bytes: encoded.bytes, arena };
      encoded.chunks.forEach((chunk, i) => {
        ops.push({ op: 'chunk', topicId: list[i]!.topicId, chunk });
        cacheable.push({ chunk, batches: list[i]!.input.batches });
      });
      for (const a of batch.appends) {
        if (a.producer) {
          const { firstSeq, lastSeq, baseOffset, lastOffset } = a.producer.batch;
          ops.push({ op: 'producerBatch', producerId: a.producer.producerId, producerEpoch: a.producer.producerEpoch, topic: a.topic, partition: a.partition, batch: { firstSeq, lastSeq, baseOffset, lastOffset } });
        }
      }
    }
    for (const m of batch.metas) ops.push(...m.ops);
    return { ops, segment, cacheable };
  }

  /** PUTs the segment (with retries), then hands its arena back for the next flush. */
  private async putSegment(segment: NonNullable<PreparedFlush['segment']>): Promise<void> {
    try {
      await withRetry(() => this.store.put(segment.key, segment.bytes));
    } catch (err) {
      throw new SegmentPutError(segment.key, err);
    } finally {
      if (this.freeArenas.length >= this.flushPipelineMaxCount) throw new Error('log invariant: more segment arenas than flushes in flight');
      this.freeArenas.push(segment.arena);
    }
  }

  /** Writes the entry of a flush whose segment is durable, under the next sequence number; commits or fails the batch. */
  private async commitBatch(job: FlushJob, prepared: PreparedFlush): Promise<void> {
    const batch = job.batch;
    const seq = this.state.seq + 1;
    const { ops, segment, cacheable } = prepared;
    const entry: ManifestEntry = { v: MANIFEST_VERSION, seq, epoch: this.epoch, writer: this.writer, ops };
    const entryBytes = encodeEntry(entry);
    try {
      const outcome = await this.writeEntry(seq, entryBytes);
      if (outcome !== 'written') {
        const other = outcome.conflict;
        if (other.epoch > this.epoch) {
          this.fence(other.epoch);
          throw new FencedError(this.epoch, other.epoch);
        }
        throw new Error(`manifest invariant: entry ${seq} was written by epoch ${other.epoch} (we are ${this.epoch})`);
      }
    } catch (err) {
      if (err instanceof EntryInDoubtError) {
        this.inDoubt = { seq, bytes: entryBytes, ops, segment: segment?.key };
        this.failAll(batch, new StorageError(`manifest entry ${seq} may not have been written`, { cause: err.cause }));
        this.log.warn({ seq, err: err.cause }, 'manifest entry in doubt');
        return;
      }
      const failure = err instanceof FencedError ? err : new StorageError(`flush of manifest entry ${seq} failed`, { cause: err });
      this.failAll(batch, failure);
      if (segment && !(err instanceof FencedError)) {
        const key = segment.key;
        // No manifest entry names it, so nobody needs it.
        void this.store.delete(key).catch(() => undefined);
      }
      this.log.warn({ seq, err }, 'flush failed; appends rejected');
      return;
    }
    await this.commitFlush(entry, cacheable, batch, job);
  }

  /**
   * Makes a durable entry visible: state, caches, then waiters. With the flush's `job`, the
   * flush leaves the pipeline first, so the next flush's segment is on its way before a
   * thousand producers' next appends take the event loop.
   */
  private commitFlush(entry: ManifestEntry, cacheable: { chunk: Chunk; batches: Uint8Array[] }[], batch: Buffer, job?: FlushJob): Promise<void> {
    const dropsRefs = entry.ops.some((op) => op.op === 'deleteTopic' || op.op === 'logStart' || op.op === 'compact');
    const before = dropsRefs ? this.state.referencedSegments() : undefined;
    this.applyEntry(entry);
    for (const { chunk, batches } of cacheable) this.cache.add(chunk.segment, chunk.start, batches);
    const results: AppendResult[] = [];
    for (const a of batch.appends) {
      const p = this.state.partition(a.topic, a.partition);
      const k = `${a.topicId}:${a.partition}`;
      if (this.nextOffsets.get(k) === (p ? p.highWatermark : undefined) || !p) this.nextOffsets.delete(k);
      if (a.producer) {
        a.producer.batch.pending = undefined;
        const o = this.producerOverlay.get(a.producer.key);
        if (o && --o.pendingCount <= 0) this.producerOverlay.delete(a.producer.key);
      }
      if (p && p.highWatermark > (this.nextOffsets.get(k) ?? p.highWatermark)) throw new Error('log invariant: high watermark past next offset');
      results.push({ baseOffset: a.first, logAppendTimeMs: -1n, logStartOffset: p?.logStart ?? 0n });
    }
    if (before) {
      const after = this.state.referencedSegments();
      for (const key of before) {
        if (after.has(key)) continue;
        this.cache.drop(key);
        void withRetry(() => this.store.delete(key)).catch((err) => this.log.warn({ err, key }, 'segment delete failed; the next start collects it'));
      }
    }
    this.notifyData();
    if (entry.seq - Math.max(this.lastCheckpointSeq, 0) >= LOG_CHECKPOINT_INTERVAL_ENTRIES) void this.checkpoint();
    if (job) this.endFlush(job);
    return this.acknowledge(batch, results);
  }

  /**
   * Resolves a committed flush's waiters in order, LOG_ACK_CHUNK_COUNT per event-loop turn:
   * between chunks the loop runs I/O callbacks, so the next flush's write and fsync proceed
   * while the producers' next appends run.
   */
  private async acknowledge(batch: Buffer, results: AppendResult[]): Promise<void> {
    for (const m of batch.metas) m.resolve();
    for (let i = 0; i < batch.appends.length; i++) {
      if (i > 0 && i % LOG_ACK_CHUNK_COUNT === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      batch.appends[i]!.resolve(results[i]!);
    }
  }

  /**
   * Rejects a failed flush and everything behind it (flushes in flight after it, then the
   * buffer), and forgets the offsets they took. A batch not in flight (fencing, close) rejects
   * every flush in flight.
   */
  private failAll(batch: Buffer, err: Error): void {
    const rest = this.buffer;
    this.buffer = emptyBuffer();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const behind = this.flushes.slice(this.flushes.findIndex((f) => f.batch === batch) + 1);
    for (const f of behind) f.rejected = true;
    for (const b of [batch, ...behind.map((f) => f.batch), rest]) {
      for (const a of b.appends) a.reject(err);
      for (const m of b.metas) m.reject(err);
    }
    // Every append that took an offset after the durable high watermark was just rejected.
    this.nextOffsets.clear();
    this.producerOverlay.clear();
    for (const w of this.spaceWaiters.splice(0)) w();
  }

  private fence(newerEpoch: number): void {
    if (this.fencedBy === 0) this.log.error({ epoch: this.epoch, newerEpoch }, 'fenced by a newer broker; refusing writes');
    this.fencedBy = newerEpoch;
    const err = new FencedError(this.epoch, newerEpoch);
    this.failAll(emptyBuffer(), err);
  }

  /**
   * putIfAbsent with bounded retries. A failed call may still have written (lost reply), so
   * every doubt is settled by reading the key back: our exact bytes mean success.
   */
  private async writeEntry(seq: number, bytes: Uint8Array): Promise<'written' | { conflict: ManifestEntry }> {
    const key = entryKey(seq);
    let delay = STORE_RETRY_BASE_MS;
    let lastErr: unknown;
    let knownAbsent = false;
    for (let attempt = 1; attempt <= STORE_RETRY_MAX_COUNT; attempt++) {
      if (attempt > 1) {
        await sleep(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, STORE_RETRY_MAX_MS);
      }
      let written: boolean | undefined;
      try {
        written = await this.store.putIfAbsent(key, bytes);
      } catch (err) {
        lastErr = err;
        knownAbsent = false;
        if (!isRetriable(err)) throw err;
      }
      if (written === true) return 'written';
      let existing: Uint8Array | null;
      try {
        existing = await withRetry(async () => {
          try {
            return await this.store.get(key);
          } catch (err) {
            if (err instanceof ObjectNotFoundError) return null;
            throw err;
          }
        });
      } catch (err) {
        lastErr = err;
        continue;
      }
      if (existing === null) {
        knownAbsent = true;
        continue;
      }
      if (bytesEqual(existing, bytes)) return 'written';
      return { conflict: decodeEntry(key, existing) };
    }
    if (knownAbsent) throw new StorageError(`manifest entry ${seq} not written`, { cause: lastErr });
    throw new EntryInDoubtError(seq, { cause: lastErr });
  }

  /** Settles an entry in doubt by reading it: ours → it is durable after all; absent → forget it. */
  private resolveDoubt(): Promise<void> {
    if (this.resolvingDoubt) return this.resolvingDoubt;
    this.resolvingDoubt = (async () => {
      try {
        let delay = STORE_RETRY_BASE_MS;
        while (this.inDoubt && !this.closed) {
          const d = this.inDoubt;
          try {
            const existing = await this.store.get(entryKey(d.seq)).catch((err: unknown) => {
              if (err instanceof ObjectNotFoundError) return null;
              throw err;
            });
            if (existing === null) {
              this.inDoubt = null;
              const orphan = d.segment;
              if (orphan) void this.store.delete(orphan).catch(() => undefined);
            } else if (bytesEqual(existing, d.bytes)) {
              this.inDoubt = null;
              void this.commitFlush({ v: MANIFEST_VERSION, seq: d.seq, epoch: this.epoch, writer: this.writer, ops: d.ops }, [], emptyBuffer());
            } else {
              const other = decodeEntry(entryKey(d.seq), existing);
              this.inDoubt = null;
              this.fence(other.epoch);
            }
            return;
          } catch (err) {
            this.log.warn({ err, seq: d.seq }, 'could not settle the manifest entry in doubt yet');
            await sleep(delay);
            delay = Math.min(delay * 2, STORE_RETRY_MAX_MS);
          }
        }
      } finally {
        this.resolvingDoubt = null;
      }
    })();
    return this.resolvingDoubt;
  }

  /**
   * An idle broker learns it was fenced by looking for the entry after its last one: only a
   * newer broker can have written it (ours are written by the flush, which is idle now).
   */
  private async checkFenced(): Promise<void> {
    if (this.fenced || this.closed || this.flushes.length > 0 || this.inDoubt) return;
    const seq = this.state.seq + 1;
    let bytes: Uint8Array;
    try {
      bytes = await this.store.get(entryKey(seq));
    } catch {
      return; // absent (the usual case) or unreachable: look again later
    }
    if (this.fenced || this.state.seq >= seq) return; // we wrote it meanwhile
    try {
      const other = decodeEntry(entryKey(seq), bytes);
      if (other.writer !== this.writer && other.epoch > this.epoch) this.fence(other.epoch);
    } catch (err) {
      this.log.warn({ err, seq }, 'unreadable manifest entry');
    }
  }

  /** Resolves once everything appended before the call is durable (or rejected). */
  async flush(): Promise<void> {
    this.forcing++;
    try {
      for (;;) {
        if (this.resolvingDoubt) await this.resolvingDoubt;
        const last = this.flushes.at(-1);
        if (last) {
          await last.done;
          continue;
        }
        if (this.bufferEmpty()) {
          await this.lastFlushDone; // its last acknowledgements
          return;
        }
        this.kick();
        if (this.flushes.length === 0) return; // fenced: nothing can be written any more
      }
    } finally {
      this.forcing--;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    if (this.fenceTimer) clearInterval(this.fenceTimer);
    this.maintenanceTimer = null;
    this.fenceTimer = null;
    if (!this.fenced) await this.flush();
    this.closed = true;
    if (this.inDoubt) await this.resolveDoubt().catch(() => undefined);
    this.failAll(emptyBuffer(), new LogClosedError());
    for (const w of [...this.dataWaiters]) w.done();
    await this.maintenanceRunning?.catch(() => undefined);
    await this.checkpointing;
  }

  // ---------------------------------------------------------------- read

  async read(topic: string, partition: number, fetchOffset: bigint, maxBytes: number): Promise<ReadResult> {
    try {
      return await this.readOnce(topic, partition, fetchOffset, maxBytes);
    } catch (err) {
      // Compaction or retention replaced the chunks we were reading: read again from the new state.
      if (err instanceof StorageError && err.cause instanceof ObjectNotFoundError) return this.readOnce(topic, partition, fetchOffset, maxBytes);
      throw err;
    }
  }

  private async readOnce(topic: string, partition: number, fetchOffset: bigint, maxBytes: number): Promise<ReadResult> {
    const p = this.partitionOrThrow(topic, partition);
    const highWatermark = p.highWatermark;
    const logStartOffset = p.logStart;
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) {
      throw new OffsetOutOfRangeError(topic, partition, fetchOffset, logStartOffset, highWatermark);
    }
    if (fetchOffset === highWatermark) return { records: [], highWatermark, logStartOffset };
    const chunks = p.chunks;
    const records: Uint8Array[] = [];
    let total = 0;
    for (let i = firstChunkEndingAtOrAfter(chunks, fetchOffset); i < chunks.length; i++) {
      const c = chunks[i]!;
      let batches: Uint8Array[];
      try {
        batches = await this.chunkBatches(c);
      } catch (err) {
        // Retention may have deleted the object since we looked.
        if (err instanceof ObjectNotFoundError && this.state.partition(topic, partition)?.logStart !== logStartOffset) {
          const now = this.partitionOrThrow(topic, partition);
          throw new OffsetOutOfRangeError(topic, partition, fetchOffset, now.logStart, now.highWatermark);
        }
        throw err instanceof ObjectNotFoundError || isRetriable(err) ? new StorageError(`reading ${c.segment}`, { cause: err }) : err;
      }
      for (const batch of batches) {
        const h = parseBatchHeader(batch);
        if (h.baseOffset + BigInt(h.lastOffsetDelta) < fetchOffset) continue;
        if (records.length > 0 && total + batch.byteLength > maxBytes) return { records, highWatermark, logStartOffset };
        records.push(batch);
        total += batch.byteLength;
      }
      if (total >= maxBytes) break;
    }
    return { records, highWatermark, logStartOffset };
  }

  /** The whole batches of a chunk: from the tail cache, else one ranged GET. */
  private async chunkBatches(c: Chunk): Promise<Uint8Array[]> {
    const hit = this.cache.get(c.segment, c.start);
    if (hit) return hit;
    const bytes = await withRetry(() => this.store.get(c.segment, { start: c.start, end: c.end }));
    if (bytes.byteLength !== c.end - c.start) throw new StorageError(`short read of ${c.segment}: ${bytes.byteLength} of ${c.end - c.start} bytes`);
    const batches = parseRecordSet(bytes).map((v) => v.bytes);
    this.cache.add(c.segment, c.start, batches);
    return batches;
  }

  /** ListOffsets by time: the first record at or after `timestampMs` (record-exact where the batch can be decoded, else its batch). */
  async offsetForTimestamp(topic: string, partition: number, timestampMs: bigint): Promise<{ offset: bigint; timestampMs: bigint } | null> {
    const p = this.partitionOrThrow(topic, partition);
    for (const c of p.chunks) {
      if (c.maxTimestamp < timestampMs) continue;
      for (const batch of await this.chunkBatches(c)) {
        const h = parseBatchHeader(batch);
        if (h.maxTimestamp < timestampMs) continue;
        if (h.baseOffset + BigInt(h.lastOffsetDelta) < p.logStart) continue;
        const offset = h.baseOffset < p.logStart ? p.logStart : h.baseOffset;
        return recordAtOrAfter(batch, offset, timestampMs) ?? { offset, timestampMs: h.maxTimestamp };
      }
    }
    return null;
  }

  async waitForData(positions: { topic: string; partition: number; offset: bigint }[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const check = (): boolean =>
      this.closed ||
      positions.some(({ topic, partition, offset }) => {
        const p = this.state.partition(topic, partition);
        return !p || p.highWatermark > offset;
      });
    if (check() || timeoutMs <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        check,
        done: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.done);
          this.dataWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      signal?.addEventListener('abort', waiter.done);
      this.dataWaiters.add(waiter);
    });
  }

  private notifyData(): void {
    for (const w of [...this.dataWaiters]) if (w.check()) w.done();
  }

  // ---------------------------------------------------------------- checkpoints

  private checkpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const snap = this.state.snapshot();
    const bytes = encodeSnapshot(snap);
    this.checkpointing = (async () => {
      try {
        await withRetry(() => this.store.put(checkpointKey(snap.seq), bytes));
        const prev = this.lastCheckpointSeq;
        this.lastCheckpointSeq = snap.seq;
        this.log.debug({ seq: snap.seq, bytes: bytes.byteLength }, 'checkpoint written');
        // Keep the previous checkpoint and the entries after it: a broker that is recovering
        // right now may have listed that checkpoint already.
        if (prev >= 0) await this.deleteOldManifest(prev);
      } catch (err) {
        this.log.warn({ err }, 'checkpoint failed; recovery replays more entries');
      } finally {
        this.checkpointing = null;
      }
    })();
    return this.checkpointing;
  }

  private async deleteOldManifest(keepFromSeq: number): Promise<void> {
    for (const { key } of await withRetry(() => this.store.list(CHECKPOINT_PREFIX))) {
      const seq = parseSeqKey(key, CHECKPOINT_PREFIX);
      if (seq !== null && seq < keepFromSeq) await withRetry(() => this.store.delete(key));
    }
    for (const { key } of await withRetry(() => this.store.list(MANIFEST_PREFIX))) {
      const seq = parseSeqKey(key, MANIFEST_PREFIX);
      if (seq === null || seq > keepFromSeq) break;
      await withRetry(() => this.store.delete(key));
    }
  }

  /** Writes a checkpoint now (after compaction, and for tests). */
  async writeCheckpoint(): Promise<void> {
    await this.flush();
    await this.checkpointing;
    await this.checkpoint();
  }

  // ---------------------------------------------------------------- maintenance

  /** Retention, then compaction. Runs on a timer; exposed for tests and the CLI. */
  runMaintenance(): Promise<void> {
    if (this.maintenanceRunning) return this.maintenanceRunning;
    this.maintenanceRunning = (async () => {
      try {
        if (this.closed || this.fenced) return;
        await this.applyRetention();
        const compacted = await this.compact();
        if (compacted > 0) await this.writeCheckpoint();
      } finally {
        this.maintenanceRunning = null;
      }
    })();
    return this.maintenanceRunning;
  }

  /** Advances log start offsets by whole chunks past the topic's time and byte bounds. */
  async applyRetention(): Promise<void> {
    const now = BigInt(this.now());
    const ops: Op[] = [];
    for (const t of this.state.topics.values()) {
      const { retentionMs, retentionBytes } = t.info.config;
      if (retentionMs < 0 && retentionBytes < 0) continue;
      t.partitions.forEach((p, partition) => {
        let keepFrom = 0;
        if (retentionMs >= 0) {
          const cutoff = now - BigInt(retentionMs);
          while (keepFrom < p.chunks.length && p.chunks[keepFrom]!.maxTimestamp < cutoff) keepFrom++;
        }
        if (retentionBytes >= 0) {
          let bytes = 0;
          for (let i = keepFrom; i < p.chunks.length; i++) bytes += p.chunks[i]!.end - p.chunks[i]!.start;
          while (keepFrom < p.chunks.length && bytes > retentionBytes) {
            bytes -= p.chunks[keepFrom]!.end - p.chunks[keepFrom]!.start;
            keepFrom++;
          }
        }
        if (keepFrom === 0) return;
        const offset = keepFrom < p.chunks.length ? p.chunks[keepFrom]!.first : p.highWatermark;
        if (offset > p.logStart) ops.push({ op: 'logStart', topic: t.info.name, topicId: t.info.topicId, partition, offset });
      });
    }
    for (let i = 0; i < ops.length; i += LOG_FLUSH_MAX_OPS_COUNT) {
      this.checkWritable();
      await this.enqueueOps(ops.slice(i, i + LOG_FLUSH_MAX_OPS_COUNT));
    }
  }

  /**
   * Merges runs of small chunks of one partition into one per-partition segment, so a cold
   * read needs fewer GETs. Returns the number of merges written.
   */
  async compact(): Promise<number> {
    let merges = 0;
    for (const t of [...this.state.topics.values()]) {
      for (let partition = 0; partition < t.partitions.length; partition++) {
        for (;;) {
          const p = this.state.partition(t.info.name, partition);
          if (!p || this.state.topics.get(t.info.name)?.info.topicId !== t.info.topicId) break;
          const run = findSmallRun(p.chunks);
          if (!run) break;
          const parts: Uint8Array[] = [];
          for (const c of run) parts.push(...(await this.chunkBatches(c)));
          const first = run[0]!.first;
          const last = run[run.length - 1]!.last;
          const maxTimestamp = run.reduce((m, c) => (c.maxTimestamp > m ? c.maxTimestamp : m), -1n);
          this.checkWritable();
          const key = segmentKey(this.epoch, ++this.segmentCounter);
          const encoded = encodeSegment(key, this.epoch, [{ topic: t.info.name, partition, first, last, maxTimestamp, batches: parts }]);
          await withRetry(() => this.store.put(key, encoded.bytes));
          try {
            await this.enqueueOps([{ op: 'compact', topicId: t.info.topicId, chunk: encoded.chunks[0]! }]);
          } catch (err) {
            void this.store.delete(key).catch(() => undefined);
            throw err;
          }
          this.cache.add(key, encoded.chunks[0]!.start, parts);
          merges++;
        }
      }
    }
    return merges;
  }

  /** Deletes segment objects no manifest state references, written by older epochs (their writers are fenced). */
  private async collectOrphans(): Promise<void> {
    const referenced = this.state.referencedSegments();
    for (const { key } of await withRetry(() => this.store.list('segments/'))) {
      const id = parseSegmentKey(key);
      if (!id || id.epoch >= this.epoch || referenced.has(key)) continue;
      if (this.closed) return;
      await withRetry(() => this.store.delete(key));
    }
  }
}

/** Index of the first chunk whose last offset is >= offset (chunks sorted by offset). */
function firstChunkEndingAtOrAfter(chunks: Chunk[], offset: bigint): number {
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunks[mid]!.last < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first run of at least LOG_COMPACT_MIN_CHUNKS_COUNT consecutive small chunks, capped at the target size. */
function findSmallRun(chunks: Chunk[]): Chunk[] | undefined {
  let run: Chunk[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const size = c.end - c.start;
    const small = size < LOG_COMPACT_SMALL_CHUNK_BYTES;
    if (small && bytes + size <= LOG_COMPACT_TARGET_BYTES) {
      run.push(c);
      bytes += size;
      continue;
    }
    if (run.length >= LOG_COMPACT_MIN_CHUNKS_COUNT) return run;
    run = small ? [c] : [];
    bytes = small ? size : 0;
  }
  return run.length >= LOG_COMPACT_MIN_CHUNKS_COUNT ? run : undefined;
}

/**
 * The first record of `batch` at or after both `offset` and `timestampMs`, as Kafka's ListOffsets
 * answers. Every codec is decoded (broker/protocol/codecs); a batch that cannot be (corrupt, past
 * the decompressed bound, or its codec library missing) gives null and the caller answers at batch
 * granularity.
 */
function recordAtOrAfter(batch: Uint8Array, offset: bigint, timestampMs: bigint): { offset: bigint; timestampMs: bigint } | null {
  let records;
  try {
    records = decodeRecords(batch);
  } catch {
    return null;
  }
  for (const r of records) {
    if (r.offset >= offset && r.timestampMs >= timestampMs) return { offset: r.offset, timestampMs: r.timestampMs };
  }
  return null;
}
