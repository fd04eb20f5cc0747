/**
 * The log: every partition of every topic, kept on object storage only. This class composes
 * the parts and is what the rest of the broker calls:
 *
 *   append → appender.ts (offsets, producer-state checks in producers.ts) → append-buffer.ts
 *     → flushes.ts (segment-writer.ts PUTs the segment, manifest-writer.ts writes the entry)
 *   read → partition-reader.ts (tail-cache.ts, ranged GETs); long polls wait in data-waiters.ts
 *   open → recovery.ts, then manifest-writer.ts claims the epoch; checkpoints.ts, maintenance.ts
 *
 * See docs/log.md for what is kept in the bucket and why.
 */
import { pino, type Logger } from 'pino';
import { LOG_FENCE_CHECK_INTERVAL_MS, LOG_FLUSH_INTERVAL_MS, LOG_FLUSH_MAX_BYTES, LOG_FLUSHES_IN_FLIGHT_MAX_COUNT, LOG_MAINTENANCE_INTERVAL_MS, LOG_SEGMENT_MAX_BYTES, LOG_TAIL_CACHE_MAX_BYTES } from '../constants.js';
import type { ObjectStore } from '../storage/object-store.js';
import { RetryingStore } from '../storage/retrying-store.js';
import { AppendBuffer, noPendingWrites } from './append-buffer.js';
import { Appender } from './appender.js';
import { Checkpoints } from './checkpoints.js';
import { Commits } from './commits.js';
import { DataWaiters, type Position } from './data-waiters.js';
import { LogClosedError } from './errors.js';
import { Flushes } from './flushes.js';
import { Maintenance } from './maintenance.js';
import type { Op } from './manifest.js';
import { ManifestWriter } from './manifest-writer.js';
import { PartitionReader } from './partition-reader.js';
import { Producers } from './producers.js';
import { recoverState } from './recovery.js';
import { SegmentWriter } from './segment-writer.js';
import type { LogState } from './state.js';
import { TailCache } from './tail-cache.js';
import { Topics } from './topics.js';
import type { AttachmentHalt, AttachmentInfo, AttachmentKind } from './attachments.js';
import { Attachments, type AttachOptions, type AttachmentSpec } from './attaching.js';
import { Pipelines, type PipelinePartition, type PipelineStep } from './pipelines.js';
import type { AppendResult, CommittedOffset, ReadResult, TopicConfig, TopicInfo } from './types.js';

export interface LogOptions {
  store: ObjectStore;
  brokerId?: number;
  flushMaxBytes?: number;
  flushIntervalMs?: number;
  /** Flushes in flight at once (default LOG_FLUSHES_IN_FLIGHT_MAX_COUNT; the S3 profile uses LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT). */
  flushesInFlightMaxCount?: number;
  logger?: Logger;
  tailCacheMaxBytes?: number;
  now?: () => number;
  /** Interval of the background retention/compaction pass; 0 disables it (tests call runMaintenance). */
  maintenanceIntervalMs?: number;
}

export class Log {
  private readonly logger: Logger;
  private readonly state: LogState;
  private readonly manifest: ManifestWriter;
  private readonly topics: Topics;
  private readonly attachments: Attachments;
  private readonly pipelines: Pipelines;
  private readonly appender: Appender;
  private readonly flushes: Flushes;
  private readonly reader: PartitionReader;
  private readonly dataWaiters: DataWaiters;
  private readonly checkpoints: Checkpoints;
  private readonly maintenance: Maintenance;
  private readonly producers: Producers;
  private readonly commits: Commits;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(opts: LogOptions, retrying: RetryingStore, flushesInFlightMaxCount: number, logger: Logger, state: LogState, checkpointSeq: number) {
    const store = opts.store;
    const now = opts.now ?? Date.now;
    const isClosed = (): boolean => this.closed;
    const checkWritable = (): void => this.manifest.checkWritable();
    const write = (ops: Op[]): Promise<void> => this.flushes.write(ops);
    const cache = new TailCache(opts.tailCacheMaxBytes ?? LOG_TAIL_CACHE_MAX_BYTES);
    const buffer = new AppendBuffer(Math.min(opts.flushMaxBytes ?? LOG_FLUSH_MAX_BYTES, LOG_SEGMENT_MAX_BYTES / 2), opts.flushIntervalMs ?? LOG_FLUSH_INTERVAL_MS);
    this.logger = logger;
    this.state = state;
    this.manifest = new ManifestWriter({
      store,
      retrying,
      state,
      logger,
      brokerId: opts.brokerId ?? 0,
      isClosed,
      isWriting: () => this.flushes.writing,
      onFenced: (err) => this.flushes.failEverything(err),
      onDoubtLanded: (entry) => void this.flushes.commit(entry, [], noPendingWrites()),
    });
    const segments = new SegmentWriter(retrying, () => this.manifest.epoch, flushesInFlightMaxCount);
    this.topics = new Topics({
      state, now, checkWritable, write,
      claimedByView: (name) => this.attachments.claimsTopicName(name),
      dependents: (name) => this.attachments.dependents(name),
      derivedFrom: (name) => this.attachments.list().filter((a) => a.kind === 'derived' && a.source === name).map((a) => a.name),
      sourceOf: (name) => this.attachments.get('derived', name)?.source,
    });
    this.attachments = new Attachments({ state, now, checkWritable, write, topics: this.topics });
    this.pipelines = new Pipelines({ state, checkWritable, commitUnit: (appends, ops) => this.appender.commitUnit(appends, ops) });
    this.producers = new Producers(state);
    this.commits = new Commits({ state, checkWritable, write });
    this.appender = new Appender({ state, topics: this.topics, producers: this.producers, buffer, checkWritable, buffered: () => this.flushes.schedule() });
    this.dataWaiters = new DataWaiters(state, isClosed);
    this.checkpoints = new Checkpoints(retrying, state, logger, checkpointSeq);
    this.flushes = new Flushes({
      store,
      retrying,
      state,
      logger,
      buffer,
      segments,
      manifest: this.manifest,
      cache,
      checkpoints: this.checkpoints,
      dataWaiters: this.dataWaiters,
      maxInFlight: flushesInFlightMaxCount,
      landed: (a) => this.appender.landed(a),
      forgetPending: () => this.appender.forgetPending(),
    });
    this.reader = new PartitionReader({ store: retrying, state, cache, partition: (t, p) => this.topics.partition(t, p) });
    this.maintenance = new Maintenance({
      store,
      retrying,
      state,
      cache,
      segments,
      now,
      epoch: () => this.manifest.epoch,
      isClosed,
      isFenced: () => this.manifest.fenced,
      checkWritable,
      write,
      chunkBatches: (c) => this.reader.chunkBatches(c),
      writeCheckpoint: () => this.writeCheckpoint(),
    });
  }

  /** Recovers the state from the bucket alone and claims the next epoch (fencing older brokers). */
  static async open(opts: LogOptions): Promise<Log> {
    const inFlight = opts.flushesInFlightMaxCount ?? LOG_FLUSHES_IN_FLIGHT_MAX_COUNT;
    if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError(`flushesInFlightMaxCount must be a positive integer, got ${inFlight}`);
    const logger = opts.logger ?? pino({ enabled: false });
    const retrying = new RetryingStore(opts.store);
    const { state, checkpointSeq } = await recoverState(retrying, logger);
    const log = new Log(opts, retrying, inFlight, logger, state, checkpointSeq);
    await log.manifest.claimEpoch();
    const interval = opts.maintenanceIntervalMs ?? LOG_MAINTENANCE_INTERVAL_MS;
    if (interval > 0) {
      log.maintenanceTimer = setInterval(() => void log.runMaintenance().catch((err) => log.logger.warn({ err }, 'log maintenance failed')), interval);
      log.maintenanceTimer.unref();
    }
    void log.maintenance.collectOrphans().catch((err) => log.logger.warn({ err }, 'orphan segment collection failed'));
    log.fenceTimer = setInterval(() => void log.manifest.checkFenced(), LOG_FENCE_CHECK_INTERVAL_MS);
    log.fenceTimer.unref();
    return log;
  }

  get fenced(): boolean {
    return this.manifest.fenced;
  }

  /** This broker's epoch in the manifest. */
  get brokerEpoch(): number {
    return this.manifest.epoch;
  }

  // ---------------------------------------------------------------- topics

  listTopics(): TopicInfo[] {
    return this.topics.list();
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  createTopic(name: string, partitions: number, config?: Partial<TopicConfig>): Promise<TopicInfo> {
    return this.topics.create(name, partitions, config);
  }

  /** The topic, created with `partitions` unless it exists or is being created (a first use). */
  ensureTopic(name: string, partitions: number): Promise<TopicInfo> {
    return this.topics.ensure(name, partitions);
  }

  deleteTopic(name: string): Promise<void> {
    return this.topics.delete(name);
  }

  /** CreatePartitions: see Topics.grow. */
  createPartitions(name: string, count: number, options?: { validateOnly?: boolean }): Promise<TopicInfo> {
    return this.topics.grow(name, count, options);
  }

  /** AlterConfigs: see Topics.alterConfig. */
  alterTopicConfig(name: string, change: (current: TopicConfig) => TopicConfig): Promise<TopicInfo> {
    return this.topics.alterConfig(name, change);
  }

  /** DeleteRecords: see Topics.deleteRecords; returns the partition's log start after the call. */
  deleteRecords(name: string, partition: number, offset: bigint): Promise<bigint> {
    return this.topics.deleteRecords(name, partition, offset);
  }

  listAttachments(): AttachmentInfo[] {
    return this.attachments.list();
  }

  getAttachment(kind: AttachmentKind, name: string): AttachmentInfo | undefined {
    return this.attachments.get(kind, name);
  }

  /** See Attachments.attach: a view (named by itself), a produce check (named by its topic) or a derived topic's pipeline. */
  attach(spec: AttachmentSpec, options: AttachOptions = {}): Promise<AttachmentInfo> {
    return this.attachments.attach(spec, options);
  }

  pausePipeline(name: string, paused: boolean): Promise<AttachmentInfo> {
    return this.attachments.pause(name, paused);
  }

  /** A derived topic's pipeline progress, per source partition. */
  pipelineProgress(name: string): PipelinePartition[] | undefined {
    return this.pipelines.progress(name);
  }

  /** Makes one step of a pipeline partition durable: its output, position and states in one entry. */
  commitPipelineStep(name: string, attachmentId: string, partition: number, step: PipelineStep): Promise<void> {
    return this.pipelines.commit(name, attachmentId, partition, step);
  }

  detach(kind: AttachmentKind, name: string): Promise<AttachmentInfo> {
    return this.attachments.detach(kind, name);
  }

  haltAttachment(kind: AttachmentKind, name: string, attachmentId: string, halt: AttachmentHalt): Promise<void> {
    return this.attachments.halt(kind, name, attachmentId, halt);
  }

  highWatermark(topic: string, partition: number): bigint {
    return this.topics.partition(topic, partition).highWatermark;
  }

  logStartOffset(topic: string, partition: number): bigint {
    return this.topics.partition(topic, partition).logStart;
  }

  // ---------------------------------------------------------------- writes

  /**
   * One or more RecordBatch v2 as the producer sent them (CRC already verified by the caller).
   * Assigns offsets, rewrites the base offsets, buffers, and resolves only after the segment
   * object and its manifest entry are durable. The log takes `recordSet` over: it rewrites
   * the base offsets in place and may keep it (tail cache), so the caller must not reuse it.
   */
  append(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    return this.appender.append(topic, partition, recordSet);
  }

  async allocateProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    this.manifest.checkWritable();
    return this.producers.allocateId((ops) => this.flushes.write(ops));
  }

  /** Makes a consumer group's committed offsets durable (broker/groups/offsets.ts reads them back). */
  commitOffsets(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    return this.commits.commit(groupId, offsets);
  }

  /** The durable committed offset of a group for one partition. */
  committedOffset(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.commits.committed(groupId, topic, partition);
  }

  /** Every durable committed offset of a group. */
  committedOffsets(groupId: string): CommittedOffset[] {
    return this.commits.all(groupId);
  }

  /** The groups that have committed offsets (an empty group lives on in them). */
  committedGroups(): string[] {
    return this.commits.groups();
  }

  /** DeleteGroups: every committed offset of the group is gone once this resolves. */
  deleteGroupOffsets(groupId: string): Promise<void> {
    return this.commits.deleteGroup(groupId);
  }

  /** OffsetDelete: the group's committed offsets of these partitions are gone once this resolves. */
  deleteCommittedOffsets(groupId: string, topic: string, partitions: number[]): Promise<void> {
    return this.commits.deleteOffsets(groupId, topic, partitions);
  }

  /** Resolves once everything appended before the call is durable (or rejected). */
  flush(): Promise<void> {
    return this.flushes.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    if (this.fenceTimer) clearInterval(this.fenceTimer);
    this.maintenanceTimer = null;
    this.fenceTimer = null;
    if (!this.fenced) await this.flush();
    this.closed = true;
    if (this.manifest.hasEntryInDoubt) await this.manifest.resolveDoubt().catch(() => undefined);
    this.flushes.failEverything(new LogClosedError());
    this.dataWaiters.releaseAll();
    await this.maintenance.pass?.catch(() => undefined);
    await this.checkpoints.writing;
  }

  // ---------------------------------------------------------------- reads

  read(topic: string, partition: number, fetchOffset: bigint, maxBytes: number): Promise<ReadResult> {
    return this.reader.read(topic, partition, fetchOffset, maxBytes);
  }

  /** ListOffsets by time: the first record at or after `timestampMs` (record-exact where the batch can be decoded, else its batch). */
  offsetForTimestamp(topic: string, partition: number, timestampMs: bigint): Promise<{ offset: bigint; timestampMs: bigint } | null> {
    return this.reader.offsetForTimestamp(topic, partition, timestampMs);
  }

  /** ListOffsets max_timestamp: the first record with the largest timestamp at or after the log start; null when empty. */
  offsetOfMaxTimestamp(topic: string, partition: number): Promise<{ offset: bigint; timestampMs: bigint } | null> {
    return this.reader.offsetOfMaxTimestamp(topic, partition);
  }

  /** Resolves once a partition has data past its position, on timeout, on abort, or when the log closes. */
  waitForData(positions: Position[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.dataWaiters.wait(positions, timeoutMs, signal);
  }

  // ---------------------------------------------------------------- maintenance

  /** Writes a checkpoint now (after compaction, and for tests). */
  async writeCheckpoint(): Promise<void> {
    await this.flush();
    await this.checkpoints.writing;
    await this.checkpoints.write();
  }

  /** Retention, then compaction. Runs on a timer; exposed for tests and the CLI. */
  runMaintenance(): Promise<void> {
    return this.maintenance.run();
  }

  /** Advances log start offsets by whole chunks past the topic's time and byte bounds. */
  applyRetention(): Promise<void> {
    return this.maintenance.applyRetention();
  }

  /** Merges runs of small chunks of one partition into one per-partition segment; returns the number of merges. */
  compact(): Promise<number> {
    return this.maintenance.compact();
  }
}
