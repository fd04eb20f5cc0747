/**
 * The durable state of the log as the manifest describes it: topics, where each partition's
 * offsets live, high watermarks, committed offsets and idempotent producer state. It changes
 * only by applying manifest operations, the same way live and during recovery, so a broker
 * restarted on the bucket ends up with exactly the state it had acknowledged.
 */
import { LOG_PRODUCER_DEDUP_BATCHES_COUNT, LOG_PRODUCER_STATES_MAX_COUNT } from '../constants.js';
import type { Chunk } from './segment.js';
import type { Op, ProducerStateSnapshot, StateSnapshot } from './manifest.js';
import { MANIFEST_VERSION } from './manifest.js';
import type { TopicInfo } from './types.js';
import { AttachmentTable } from './attachments.js';
import { PipelineTable } from './pipelines.js';

export interface PartitionState {
  /** Sorted by offset, non-overlapping, all at or above logStart's chunk. */
  chunks: Chunk[];
  /** One past the last durable offset. */
  highWatermark: bigint;
  logStart: bigint;
}

export interface TopicState {
  info: TopicInfo;
  partitions: PartitionState[];
}

export interface ProducerBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

export interface ProducerState {
  producerId: bigint;
  producerEpoch: number;
  topic: string;
  partition: number;
  /** The last LOG_PRODUCER_DEDUP_BATCHES_COUNT batches, oldest first. */
  batches: ProducerBatch[];
}

export function producerKey(producerId: bigint, topic: string, partition: number): string {
  return `${producerId}\u0000${topic}\u0000${partition}`;
}
function commitKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class LogState {
  seq = -1;
  maxEpoch = 0;
  nextProducerId = 0n;
  readonly topics = new Map<string, TopicState>();
  readonly producers = new Map<string, ProducerState>();
  readonly commits = new Map<string, Map<string, { topic: string; partition: number; offset: bigint; metadata: string | null }>>();
  readonly attachments = new AttachmentTable();
  readonly pipelines = new PipelineTable();

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Applies one operation. Operations naming a topic id that no longer exists are no-ops. */
  apply(op: Op): void {
    switch (op.op) {
      case 'epoch':
        if (op.epoch <= this.maxEpoch) {
          throw new Error(`manifest invariant: epoch ${op.epoch} claimed after epoch ${this.maxEpoch}`);
        }
        this.maxEpoch = op.epoch;
        return;
      case 'createTopic':
        this.topics.set(op.topic.name, {
          info: op.topic,
          partitions: Array.from({ length: op.topic.partitions }, () => ({ chunks: [], highWatermark: 0n, logStart: 0n })),
        });
        return;
      case 'deleteTopic': {
        const t = this.topics.get(op.name);
        if (!t || t.info.topicId !== op.topicId) return;
        this.topics.delete(op.name);
        for (const [k, p] of this.producers) if (p.topic === op.name) this.producers.delete(k);
        for (const g of this.commits.values()) for (const [k, c] of g) if (c.topic === op.name) g.delete(k);
        this.attachments.dropTopic(op.name);
        this.dropDetachedPipelines();
        return;
      }
      case 'createPartitions': {
        const t = this.liveTopic(op.topicId, op.topic);
        if (!t || op.partitions <= t.partitions.length) return;
        while (t.partitions.length < op.partitions) t.partitions.push({ chunks: [], highWatermark: 0n, logStart: 0n });
        t.info = { ...t.info, partitions: op.partitions };
        // A derived topic grows with its source: its pipeline reads the new partitions from their start.
        if (this.attachments.derived.has(op.topic)) this.pipelines.grow(op.topic, op.partitions);
        return;
      }
      case 'topicConfig': {
        const t = this.liveTopic(op.topicId, op.topic);
        if (t) t.info = { ...t.info, config: op.config };
        return;
      }
      case 'chunk': {
        const p = this.livePartition(op.topicId, op.chunk.topic, op.chunk.partition);
        if (!p) return;
        const c = op.chunk;
        if (c.first !== p.highWatermark || c.last < c.first) {
          throw new Error(`manifest invariant: chunk ${c.first}..${c.last} of ${c.topic}-${c.partition} does not follow high watermark ${p.highWatermark}`);
        }
        p.chunks.push(c);
        p.highWatermark = c.last + 1n;
        return;
      }
      case 'producerBatch': {
        const key = producerKey(op.producerId, op.topic, op.partition);
        let s = this.producers.get(key);
        if (!s || s.producerEpoch !== op.producerEpoch) {
          s = { producerId: op.producerId, producerEpoch: op.producerEpoch, topic: op.topic, partition: op.partition, batches: [] };
          this.producers.delete(key); // re-insert: the map's order is the order of last epoch change
          this.producers.set(key, s);
          if (this.producers.size > LOG_PRODUCER_STATES_MAX_COUNT) this.producers.delete(this.producers.keys().next().value!);
        }
        s.batches.push(op.batch);
        if (s.batches.length > LOG_PRODUCER_DEDUP_BATCHES_COUNT) s.batches.shift();
        return;
      }
      case 'producerIds':
        if (op.next > this.nextProducerId) this.nextProducerId = op.next;
        return;
      case 'commit': {
        let g = this.commits.get(op.group);
        if (!g) this.commits.set(op.group, (g = new Map()));
        g.set(commitKey(op.topic, op.partition), { topic: op.topic, partition: op.partition, offset: op.offset, metadata: op.metadata });
        return;
      }
      case 'deleteGroup':
        this.commits.delete(op.group);
        return;
      case 'deleteOffsets': {
        const g = this.commits.get(op.group);
        if (!g) return;
        for (const partition of op.partitions) g.delete(commitKey(op.topic, partition));
        if (g.size === 0) this.commits.delete(op.group);
        return;
      }
      case 'logStart': {
        const p = this.livePartition(op.topicId, op.topic, op.partition);
        if (!p || op.offset <= p.logStart) return;
        if (op.offset > p.highWatermark) throw new Error(`manifest invariant: log start ${op.offset} above high watermark ${p.highWatermark}`);
        p.logStart = op.offset;
        p.chunks = p.chunks.filter((c) => c.last >= op.offset);
        return;
      }
      case 'compact': {
        const c = op.chunk;
        const p = this.livePartition(op.topicId, c.topic, c.partition);
        if (!p) return;
        const before = p.chunks.filter((x) => x.last < c.first);
        const after = p.chunks.filter((x) => x.first > c.last);
        const inside = p.chunks.length - before.length - after.length;
        // Retention may have dropped the covered chunks meanwhile; then the merge is moot.
        if (inside === 0 || c.last < p.logStart) return;
        p.chunks = [...before, c, ...after];
        return;
      }
      case 'attach':
      case 'detach':
      case 'haltAttachment':
      case 'pausePipeline':
        this.attachments.apply(op);
        this.dropDetachedPipelines();
        return;
      case 'pipelineStart':
      case 'pipelineProgress':
        this.pipelines.apply(op, (name) => this.attachments.derived.get(name)?.attachmentId);
        return;
    }
  }

  /** A pipeline's progress goes with its attachment. */
  private dropDetachedPipelines(): void {
    for (const name of this.pipelines.progress.keys()) if (!this.attachments.derived.has(name)) this.pipelines.drop(name);
  }

  /** The topic of that name if it is still the one with that id (a deleted and re-created name is another topic). */
  private liveTopic(topicId: string, topic: string): TopicState | undefined {
    const t = this.topics.get(topic);
    return t && t.info.topicId === topicId ? t : undefined;
  }

  private livePartition(topicId: string, topic: string, partition: number): PartitionState | undefined {
    return this.liveTopic(topicId, topic)?.partitions[partition];
  }

  /** Every segment object some partition still needs. */
  referencedSegments(): Set<string> {
    const out = new Set<string>();
    for (const t of this.topics.values()) for (const p of t.partitions) for (const c of p.chunks) out.add(c.segment);
    return out;
  }

  fetchCommitted(group: string, topic: string, partition: number): { offset: bigint; metadata: string | null } | undefined {
    return this.commits.get(group)?.get(commitKey(topic, partition));
  }

  snapshot(): StateSnapshot {
    const producers: ProducerStateSnapshot[] = [];
    for (const p of this.producers.values()) producers.push({ ...p, batches: [...p.batches] });
    const commits: StateSnapshot['commits'] = [];
    for (const [group, g] of this.commits) for (const c of g.values()) commits.push({ group, ...c });
    return {
      v: MANIFEST_VERSION,
      seq: this.seq,
      maxEpoch: this.maxEpoch,
      nextProducerId: this.nextProducerId,
      topics: [...this.topics.values()].map((t) => ({
        info: t.info,
        partitions: t.partitions.map((p) => ({ highWatermark: p.highWatermark, logStart: p.logStart, chunks: [...p.chunks] })),
      })),
      producers,
      commits,
      attachments: this.attachments.all(),
      pipelines: this.pipelines.snapshot(),
    };
  }

  static fromSnapshot(s: StateSnapshot): LogState {
    const st = new LogState();
    st.seq = s.seq;
    st.maxEpoch = s.maxEpoch;
    st.nextProducerId = s.nextProducerId;
    for (const t of s.topics) {
      st.topics.set(t.info.name, {
        info: t.info,
        partitions: t.partitions.map((p) => ({ highWatermark: p.highWatermark, logStart: p.logStart, chunks: [...p.chunks] })),
      });
    }
    for (const p of s.producers) st.producers.set(producerKey(p.producerId, p.topic, p.partition), { ...p, batches: [...p.batches] });
    for (const c of s.commits) {
      st.apply({ op: 'commit', group: c.group, topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata });
    }
    for (const a of s.attachments) st.attachments.apply({ op: 'attach', attachment: a });
    for (const p of s.pipelines) st.pipelines.apply({ op: 'pipelineStart', name: p.name, attachmentId: '', partitions: p.partitions }, () => undefined);
    return st;
  }
}
