/**
 * Committed offsets of consumer groups. They are durable in the log (one manifest operation per
 * partition, so a restarted broker finds them in the bucket); this is how a group reads, writes
 * and deletes them, with Kafka's answer of -1 for a partition the group never committed.
 */
import type { CommittedOffset, Log } from '../log/index.js';

export type { CommittedOffset };

/** What the groups need from the log: durable committed offsets, and their deletion. */
export type GroupOffsetLog = Pick<Log, 'commitOffsets' | 'committedOffset' | 'committedOffsets' | 'committedGroups' | 'deleteGroupOffsets' | 'deleteCommittedOffsets'>;

export class GroupOffsets {
  constructor(private readonly log: GroupOffsetLog) {}

  /** Resolves once every offset is durable. */
  commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    return this.log.commitOffsets(groupId, offsets);
  }

  /** The groups with committed offsets: a group with no members lives on in them. */
  groups(): string[] {
    return this.log.committedGroups();
  }

  /** DeleteGroups: resolves once the group's offsets are gone for good. */
  deleteGroup(groupId: string): Promise<void> {
    return this.log.deleteGroupOffsets(groupId);
  }

  /** OffsetDelete: resolves once these partitions' offsets are gone for good. */
  async deletePartitions(groupId: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    await Promise.all([...byTopic].map(([topic, ps]) => this.log.deleteCommittedOffsets(groupId, topic, ps)));
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
