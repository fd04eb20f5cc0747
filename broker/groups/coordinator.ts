/**
 * The group coordinator of this (single) broker: finds or creates groups, bounds their number,
 * and writes committed offsets durably through the log before acknowledging them.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { GROUPS_MAX_COUNT } from '../constants.js';
import { Group } from './group.js';
import type { GroupDescription, JoinGroupInput, JoinGroupResult, SyncGroupResult } from './types.js';
import { GroupOffsets, type CommittedOffset, type GroupOffsetLog } from './offsets.js';
import { CONSUMER_PROTOCOL_TYPE } from '../protocol/consumer-protocol.js';
import { subscribedTopics } from './subscriptions.js';

export interface CoordinatorOptions {
  initialRebalanceDelayMs?: number;
}

const EMPTY = new Uint8Array(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets: GroupOffsets;
  private readonly options: CoordinatorOptions;
  /** Groups whose deletion is being written: they take no members or commits until it is done. */
  private readonly deleting = new Set<string>();
  private closed = false;

  constructor(log: GroupOffsetLog, options: CoordinatorOptions = {}) {
    this.offsets = new GroupOffsets(log);
    this.options = options;
  }

  private group(groupId: string, create: boolean): Group | null {
    let g = this.groups.get(groupId);
    if (g === undefined && create && !this.closed && this.groups.size < GROUPS_MAX_COUNT) {
      g = new Group(groupId, {
        initialRebalanceDelayMs: this.options.initialRebalanceDelayMs,
        // An empty group holds nothing the log does not: forget it to keep the map bounded.
        onEmpty: (empty) => {
          if (this.groups.get(empty.groupId) === empty) this.groups.delete(empty.groupId);
        },
      });
      this.groups.set(groupId, g);
    }
    return g ?? null;
  }

  join(groupId: string, input: JoinGroupInput): Promise<JoinGroupResult> {
    const fail = (errorCode: number) =>
      Promise.resolve<JoinGroupResult>({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: input.memberId, members: [] });
    if (groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    if (this.deleting.has(groupId)) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const existing = this.groups.get(groupId);
    if (existing === undefined && input.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const g = this.group(groupId, true);
    if (g === null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return g.join(input);
  }

  sync(
    groupId: string,
    memberId: string,
    generationId: number,
    assignments: { memberId: string; assignment: Uint8Array }[],
  ): Promise<SyncGroupResult> {
    const fail = (errorCode: number) =>
      Promise.resolve<SyncGroupResult>({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    const g = this.group(groupId, false);
    if (g === null) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    return g.sync(memberId, generationId, assignments);
  }

  heartbeat(groupId: string, memberId: string, generationId: number): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    const g = this.group(groupId, false);
    if (g === null) return ErrorCode.UNKNOWN_MEMBER_ID;
    return g.heartbeat(memberId, generationId);
  }

  /** Error code per member, in the order given. */
  leave(groupId: string, memberIds: string[]): { errorCode: number; members: number[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    if (this.closed) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    const g = this.group(groupId, false);
    if (g === null) {
      return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: memberIds.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    }
    const members = memberIds.map((id) => g.leave(id));
    const errorCode = members.length === 1 ? members[0]! : ErrorCode.NONE;
    return { errorCode, members };
  }

  /** NONE when the commit is allowed; the offsets are written before the promise resolves. */
  async commit(
    groupId: string,
    memberId: string,
    generationId: number,
    offsets: CommittedOffset[],
  ): Promise<number> {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (this.deleting.has(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const g = this.group(groupId, false);
    if (g !== null) {
      const code = g.validateCommit(memberId, generationId);
      if (code !== ErrorCode.NONE) return code;
    } else if (generationId >= 0) {
      // No group here (a restart forgot it): the commit comes from a generation that is gone.
      return ErrorCode.ILLEGAL_GENERATION;
    }
    await this.offsets.commit(groupId, offsets);
    return ErrorCode.NONE;
  }

  async fetchOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[] | null,
  ): Promise<CommittedOffset[]> {
    return this.offsets.fetch(groupId, partitions ?? undefined);
  }

  /** A group this broker holds in memory, else Empty when it has committed offsets (as Kafka loads them), else Dead. */
  describe(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (g !== undefined) return g.describe();
    const state = this.offsets.fetch(groupId).length > 0 ? 'Empty' : 'Dead';
    return { groupId, state, protocolType: '', protocolName: '', members: [] };
  }

  /** Groups with members and groups that only have committed offsets (Empty), as Kafka lists them. */
  list(): { groupId: string; protocolType: string; state: string }[] {
    const out = [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state as string }));
    for (const groupId of this.offsets.groups()) {
      if (!this.groups.has(groupId)) out.push({ groupId, protocolType: '', state: 'Empty' });
    }
    return out;
  }

  /**
   * DeleteGroups: a group without members loses its committed offsets for good. NON_EMPTY_GROUP
   * while it has members, GROUP_ID_NOT_FOUND when there is nothing to delete. Rejects when the
   * deletion could not be written (the caller answers a retriable code).
   */
  async deleteGroup(groupId: string): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (this.deleting.has(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const g = this.groups.get(groupId);
    if (g !== undefined && g.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    const hasOffsets = this.offsets.fetch(groupId).length > 0;
    if (g === undefined && !hasOffsets) return ErrorCode.GROUP_ID_NOT_FOUND;
    this.deleting.add(groupId);
    try {
      if (g !== undefined) {
        g.shutdown();
        this.groups.delete(groupId);
      }
      if (hasOffsets) await this.offsets.deleteGroup(groupId);
    } finally {
      this.deleting.delete(groupId);
    }
    return ErrorCode.NONE;
  }

  /**
   * OffsetDelete: drops the group's committed offsets of these partitions. A partition of a topic
   * the group's members subscribe to is refused with GROUP_SUBSCRIBED_TO_TOPIC (Kafka's rule: its
   * consumers would lose their place); a group with members of another protocol is NON_EMPTY_GROUP.
   */
  async deleteOffsets(groupId: string, partitions: { topic: string; partition: number }[]): Promise<{ errorCode: number; partitionCodes: number[] }> {
    const fail = (errorCode: number) => ({ errorCode, partitionCodes: partitions.map(() => ErrorCode.NONE) });
    if (groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    if (this.deleting.has(groupId)) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const g = this.groups.get(groupId);
    const committed = this.offsets.fetch(groupId);
    if (g === undefined && committed.length === 0) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    let subscribed: ReadonlySet<string> | 'all' = new Set();
    if (g !== undefined && g.state !== 'Empty') {
      const description = g.describe();
      if (description.protocolType !== CONSUMER_PROTOCOL_TYPE) return fail(ErrorCode.NON_EMPTY_GROUP);
      subscribed = subscribedTopics(description);
    }
    const partitionCodes = partitions.map(({ topic }) => (subscribed === 'all' || subscribed.has(topic) ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : ErrorCode.NONE));
    const has = new Set(committed.map((c) => `${c.topic}\u0000${c.partition}`));
    const eligible = partitions.filter((p, i) => partitionCodes[i] === ErrorCode.NONE && has.has(`${p.topic}\u0000${p.partition}`));
    if (eligible.length > 0) await this.offsets.deletePartitions(groupId, eligible);
    return { errorCode: ErrorCode.NONE, partitionCodes };
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) g.shutdown();
    this.groups.clear();
  }
}
