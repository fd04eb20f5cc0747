/**
 * The group coordinator of this (single) broker: finds or creates groups, bounds their number,
 * and writes committed offsets durably through the log before acknowledging them.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { GROUPS_MAX_COUNT } from '../constants.js';
import { Group } from './group.js';
import type { GroupDescription, JoinGroupInput, JoinGroupResult, SyncGroupResult } from './types.js';
import { GroupOffsets, type CommittedOffset, type GroupOffsetLog } from './offsets.js';

export interface CoordinatorOptions {
  initialRebalanceDelayMs?: number;
}

const EMPTY = new Uint8Array(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets: GroupOffsets;
  private readonly options: CoordinatorOptions;
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

  describe(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (g === undefined) {
      return { groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
    }
    return g.describe();
  }

  list(): { groupId: string; protocolType: string; state: string }[] {
    return [...this.groups.values()].map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType ?? '',
      state: g.state,
    }));
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) g.shutdown();
    this.groups.clear();
  }
}
