/**
 * Topics: name rules, creation and deletion through the manifest, the changes admin clients make
 * to a topic (more partitions, its configs, its partitions' log start), and the lookup of a
 * topic's partition that every read and append starts with. A topic being created or deleted is
 * neither creatable nor appendable until its entry settles.
 */
import { randomUUID } from 'node:crypto';
import {
  TOPIC_MAX_MESSAGE_BYTES_DEFAULT,
  TOPIC_NAME_MAX_LENGTH,
  TOPIC_PARTITIONS_MAX_COUNT,
  TOPIC_RETENTION_BYTES_DEFAULT,
  TOPIC_RETENTION_MS_DEFAULT,
} from '../constants.js';
import {
  InvalidPartitionsError, InvalidTopicError, OffsetOutOfRangeError, TopicExistsError, TopicInUseError, UnknownPartitionError, UnknownTopicError,
} from './errors.js';
import type { Op } from './manifest.js';
import type { LogState, PartitionState, TopicState } from './state.js';
import type { TopicConfig, TopicInfo } from './types.js';
import type { ManifestAccess } from './part-deps.js';

const TOPIC_NAME_RE = /^[a-zA-Z0-9._-]+$/;

/** What a topic gets for every config it is not given: Kafka's defaults (broker/constants.ts). */
export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = {
  retentionMs: TOPIC_RETENTION_MS_DEFAULT,
  retentionBytes: TOPIC_RETENTION_BYTES_DEFAULT,
  maxMessageBytes: TOPIC_MAX_MESSAGE_BYTES_DEFAULT,
  compressionType: 'producer',
};

export function validateTopicName(name: string): void {
  if (name.length === 0) throw new InvalidTopicError(name, 'empty');
  if (name.length > TOPIC_NAME_MAX_LENGTH) throw new InvalidTopicError(name, `longer than ${TOPIC_NAME_MAX_LENGTH} characters`);
  if (name === '.' || name === '..') throw new InvalidTopicError(name, 'reserved name');
  if (!TOPIC_NAME_RE.test(name)) throw new InvalidTopicError(name, 'only ASCII letters, digits, ".", "_" and "-" are allowed');
}

export interface TopicsDeps extends ManifestAccess {
  state: LogState;
  now: () => number;
  /** True when a view has (or is taking) the name: views and topics share one namespace. */
  claimedByView: (name: string) => boolean;
  /** What reads or guards a topic (views, a produce check): a topic in use is not deleted. */
  dependents: (name: string) => string[];
  /** The derived topics whose pipelines read `name`: they grow with it, partition p following p. */
  derivedFrom: (name: string) => string[];
  /** The source of a derived topic (whose partitions follow its source), or undefined. */
  sourceOf: (name: string) => string | undefined;
}

export class Topics {
  /** Creations whose entry is not yet written, by name: a first use joins the one under way. */
  private readonly pendingCreates = new Map<string, Promise<TopicInfo>>();
  private readonly pendingDeletes = new Set<string>();
  /** The last change (grow, config, log start) of each topic being changed: the next one waits for it. */
  private readonly changing = new Map<string, Promise<void>>();

  constructor(private readonly deps: TopicsDeps) {}

  list(): TopicInfo[] {
    return [...this.deps.state.topics.values()].map((t) => t.info);
  }

  get(name: string): TopicInfo | undefined {
    return this.deps.state.topics.get(name)?.info;
  }

  create(name: string, partitions: number, config?: Partial<TopicConfig>): Promise<TopicInfo> {
    return this.createWith(name, partitions, config, () => []);
  }

  /**
   * Creates the topic with `more(info)` in the same manifest entry: a derived topic and its
   * pipeline land together or not at all.
   */
  async createWith(name: string, partitions: number, config: Partial<TopicConfig> | undefined, more: (info: TopicInfo) => Op[]): Promise<TopicInfo> {
    validateTopicName(name);
    if (!Number.isInteger(partitions) || partitions < 1) throw new InvalidPartitionsError(partitions, 'must be at least 1');
    if (partitions > TOPIC_PARTITIONS_MAX_COUNT) throw new InvalidPartitionsError(partitions, `at most ${TOPIC_PARTITIONS_MAX_COUNT}`);
    this.deps.checkWritable();
    if (this.isTaken(name) || this.deps.claimedByView(name)) throw new TopicExistsError(name);
    const info: TopicInfo = {
      name,
      topicId: randomUUID(),
      partitions,
      config: { ...DEFAULT_TOPIC_CONFIG, ...config },
      createdAtMs: this.deps.now(),
    };
    // Registered before the first await, so a concurrent first use finds it.
    const written = this.deps.write([{ op: 'createTopic', topic: info }, ...more(info)]).then(() => info);
    this.pendingCreates.set(name, written);
    try {
      return await written;
    } finally {
      this.pendingCreates.delete(name);
    }
  }

  /**
   * The topic, created with `partitions` and the default configs unless it exists or is being
   * created (a topic created on first use): however many clients use a new name at once, it is
   * created once. A name a view has is never taken (TopicExistsError).
   */
  ensure(name: string, partitions: number): Promise<TopicInfo> {
    if (this.isLive(name)) return Promise.resolve(this.deps.state.topics.get(name)!.info);
    return this.pendingCreates.get(name) ?? this.create(name, partitions);
  }

  async delete(name: string): Promise<void> {
    const t = this.deps.state.topics.get(name);
    if (!t || this.pendingDeletes.has(name)) throw new UnknownTopicError(name);
    this.deps.checkWritable();
    const dependents = this.deps.dependents(name);
    if (dependents.length > 0) throw new TopicInUseError(name, dependents);
    this.pendingDeletes.add(name);
    try {
      await this.deps.write([{ op: 'deleteTopic', name, topicId: t.info.topicId }]);
    } finally {
      this.pendingDeletes.delete(name);
    }
  }

  /**
   * CreatePartitions: grows the topic to `count` partitions; the existing ones and their offsets
   * are untouched, the new ones start empty. Shrinking, or staying the same, is InvalidPartitionsError.
   * With `validateOnly`, checks and writes nothing.
   */
  grow(name: string, count: number, options: { validateOnly?: boolean } = {}): Promise<TopicInfo> {
    return this.serially(name, async () => {
      const t = this.appendable(name);
      const now = t.partitions.length;
      if (!Number.isInteger(count) || count <= now) throw new InvalidPartitionsError(count, `topic ${name} has ${now} partition(s); the count can only grow`);
      if (count > TOPIC_PARTITIONS_MAX_COUNT) throw new InvalidPartitionsError(count, `at most ${TOPIC_PARTITIONS_MAX_COUNT}`);
      const source = this.deps.sourceOf(name);
      if (source !== undefined) throw new InvalidPartitionsError(count, `${name} is a derived topic: its partitions follow ${source}; add them there`);
      if (options.validateOnly) return { ...t.info, partitions: count };
      this.deps.checkWritable();
      const ops: Op[] = [{ op: 'createPartitions', topic: name, topicId: t.info.topicId, partitions: count }];
      // Derived topics grow in the same entry: a new source partition p feeds derived partition p.
      for (const d of this.deps.derivedFrom(name)) {
        const dt = this.deps.state.topics.get(d);
        if (dt !== undefined && dt.partitions.length < count) ops.push({ op: 'createPartitions', topic: d, topicId: dt.info.topicId, partitions: count });
      }
      await this.deps.write(ops);
      return this.liveInfo(name, t.info.topicId);
    });
  }

  /** AlterConfigs: the topic's config becomes `change(current)`; changes of one topic apply one after another, none lost. */
  alterConfig(name: string, change: (current: TopicConfig) => TopicConfig): Promise<TopicInfo> {
    return this.serially(name, async () => {
      const t = this.appendable(name);
      const config = change(t.info.config);
      this.deps.checkWritable();
      await this.deps.write([{ op: 'topicConfig', topic: name, topicId: t.info.topicId, config }]);
      return this.liveInfo(name, t.info.topicId);
    });
  }

  /**
   * DeleteRecords: moves a partition's log start to `offset` (-1: the high watermark); records
   * below it are gone for reads, retention and compaction. An offset at or below the log start
   * changes nothing; past the high watermark (or below -1) it is OffsetOutOfRangeError. Returns
   * the log start after the call.
   */
  deleteRecords(name: string, partition: number, offset: bigint): Promise<bigint> {
    return this.serially(name, async () => {
      const t = this.appendable(name);
      const p = t.partitions[partition];
      if (!p) throw new UnknownPartitionError(name, partition);
      const target = offset === -1n ? p.highWatermark : offset;
      if (target < 0n || target > p.highWatermark) throw new OffsetOutOfRangeError(name, partition, offset, p.logStart, p.highWatermark);
      if (target <= p.logStart) return p.logStart;
      this.deps.checkWritable();
      await this.deps.write([{ op: 'logStart', topic: name, topicId: t.info.topicId, partition, offset: target }]);
      return this.deps.state.partition(name, partition)?.logStart ?? target;
    });
  }

  /** Runs the changes of one topic one at a time, in call order (each reads the state the one before left). */
  private serially<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.changing.get(name) ?? Promise.resolve();
    const run = before.then(fn);
    const settled = run.then(() => undefined, () => undefined);
    this.changing.set(name, settled);
    void settled.then(() => {
      if (this.changing.get(name) === settled) this.changing.delete(name);
    });
    return run;
  }

  /** The topic after a change of it was written: the same topic, or UnknownTopicError if it was deleted meanwhile. */
  private liveInfo(name: string, topicId: string): TopicInfo {
    const t = this.deps.state.topics.get(name);
    if (!t || t.info.topicId !== topicId) throw new UnknownTopicError(name);
    return t.info;
  }

  /** True when the topic exists and is not being deleted. */
  isLive(name: string): boolean {
    return this.deps.state.topics.has(name) && !this.pendingDeletes.has(name);
  }

  /** True when no other topic may take the name: it exists (and is not being deleted) or is being created. */
  isTaken(name: string): boolean {
    return this.isLive(name) || this.pendingCreates.has(name);
  }

  /** The topic an append may go to: it exists and is not being deleted. */
  appendable(name: string): TopicState {
    const t = this.deps.state.topics.get(name);
    if (!t || this.pendingDeletes.has(name)) throw new UnknownTopicError(name);
    return t;
  }

  partition(topic: string, partition: number): PartitionState {
    const t = this.deps.state.topics.get(topic);
    if (!t) throw new UnknownTopicError(topic);
    const p = t.partitions[partition];
    if (!p) throw new UnknownPartitionError(topic, partition);
    return p;
  }
}
