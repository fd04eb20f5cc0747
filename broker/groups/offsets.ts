/**
 * Committed offsets of consumer groups. They are durable in the log (one manifest operation per
 * partition, so a restarted broker finds them in the bucket); this is how a group reads and
 * writes them, with Kafka's answer of -1 for a partition the group never committed.
 */
import type { CommittedOffset, Log } from '../log/index.js';

export type { CommittedOffset };

/** What the groups need from the log: durable committed offsets. */
export type GroupOffsetLog = Pick<Log, 'commitOffsets' | 'committedOffset' | 'committedOffsets'>;

export class GroupOffsets {
  constructor(private readonly log: GroupOffsetLog) {}

  /** Resolves once every offset is durable. */
  commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    return this.log.commitOffsets(groupId, offsets);
  }

  /** All committed offsets of the group when `partitions` is undefined; -1 for partitions without one. */
  fetch(groupId: string, partitions?: { topic: string; partition: number }[]): CommittedOffset[] {
    if (partitions === undefined) return this.log.committedOffsets(groupId);
    return partitions.map(({ topic, partition }) => {
      const c = this.log.committedOffset(groupId, topic, partition);
      return { topic, partition, offset: c?.offset ?? -1n, metadata: c?.metadata ?? null };
    });
  }
}
