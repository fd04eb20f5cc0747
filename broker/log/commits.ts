/**
 * Committed offsets of consumer groups, durable in the manifest: commits, their lookup, and
 * their deletion (DeleteGroups drops a group's offsets, OffsetDelete some partitions' of them).
 * Membership is not here; broker/groups keeps it in memory and calls these.
 */
import { LOG_FLUSH_MAX_OPS_COUNT } from '../constants.js';
import type { Op } from './manifest.js';
import type { LogState } from './state.js';
import type { CommittedOffset } from './types.js';

export interface CommitsDeps {
  state: LogState;
  /** Throws when the log may not write (fenced, closed, entry in doubt). */
  checkWritable: () => void;
  /** Makes the operations durable in the next manifest entry. */
  write: (ops: Op[]) => Promise<void>;
}

export class Commits {
  constructor(private readonly deps: CommitsDeps) {}

  /** Resolves once every offset is durable. */
  async commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    this.deps.checkWritable();
    const ops: Op[] = offsets.map((o) => ({ op: 'commit' as const, group: groupId, topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata }));
    await this.writeBounded(ops);
  }

  /** The durable committed offset of a group for one partition. */
  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    const c = this.deps.state.fetchCommitted(groupId, topic, partition);
    return c && { topic, partition, offset: c.offset, metadata: c.metadata };
  }

  /** Every durable committed offset of a group. */
  all(groupId: string): CommittedOffset[] {
    const g = this.deps.state.commits.get(groupId);
    return g ? [...g.values()].map((c) => ({ ...c })) : [];
  }

  /** The groups that have committed offsets. */
  groups(): string[] {
    return [...this.deps.state.commits.keys()];
  }

  /** Drops every committed offset of the group; resolves once that is durable. */
  async deleteGroup(groupId: string): Promise<void> {
    this.deps.checkWritable();
    await this.deps.write([{ op: 'deleteGroup', group: groupId }]);
  }

  /** Drops the group's committed offsets of these partitions of `topic`; resolves once that is durable. */
  async deleteOffsets(groupId: string, topic: string, partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    this.deps.checkWritable();
    const ops: Op[] = [];
    for (let i = 0; i < partitions.length; i += LOG_FLUSH_MAX_OPS_COUNT) {
      ops.push({ op: 'deleteOffsets', group: groupId, topic, partitions: partitions.slice(i, i + LOG_FLUSH_MAX_OPS_COUNT) });
    }
    await this.writeBounded(ops);
  }

  /** Keep every manifest entry within its bound, however many partitions one call names. */
  private async writeBounded(ops: Op[]): Promise<void> {
    const parts: Promise<void>[] = [];
    for (let i = 0; i < ops.length; i += LOG_FLUSH_MAX_OPS_COUNT) parts.push(this.deps.write(ops.slice(i, i + LOG_FLUSH_MAX_OPS_COUNT)));
    await Promise.all(parts);
  }
}
