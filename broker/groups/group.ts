/**
 * One consumer group's membership state machine, as Apache Kafka's GroupCoordinator runs it:
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
 *     ▲                    ▲  │                                        │ leader's SyncGroup
 *     └──last member gone──┘  └──────── join, leave, expiry ◀── Stable ◀┘
 *
 * Members are kept alive by heartbeats (session timeout); a rebalance waits for every member to
 * rejoin up to the longest rebalance timeout, then drops those that did not.
 * Only membership lives here, in memory; committed offsets are durable in the log.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  GROUP_INITIAL_REBALANCE_DELAY_MS,
  GROUP_MAX_SESSION_TIMEOUT_MS,
  GROUP_MEMBER_METADATA_MAX_BYTES,
  GROUP_MEMBERS_MAX_COUNT,
  GROUP_MIN_SESSION_TIMEOUT_MS,
} from '../constants.js';

import type {
  GroupDescription, GroupProtocol, GroupState, JoinGroupInput, JoinGroupResult, SyncGroupResult,
} from './types.js';

/** A member: what it joined with (the memberId the group gave it), and where it stands in the rebalance. */
interface Member extends Omit<JoinGroupInput, 'requireKnownMemberId'> {
  assignment: Uint8Array;
  awaitingJoin: ((r: JoinGroupResult) => void) | null;
  awaitingSync: ((r: SyncGroupResult) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
}

const EMPTY = new Uint8Array(0);

export interface GroupOptions {
  /** Called when the group has no members left and may be forgotten. */
  onEmpty?: (group: Group) => void;
  initialRebalanceDelayMs?: number;
}

function sameProtocols(a: GroupProtocol[], b: GroupProtocol[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.metadata.byteLength !== y.metadata.byteLength) return false;
    for (let j = 0; j < x.metadata.byteLength; j++) if (x.metadata[j] !== y.metadata[j]) return false;
  }
  return true;
}

export class Group {
  readonly groupId: string;
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  private readonly members = new Map<string, Member>();
  /** Ids handed out with MEMBER_ID_REQUIRED, valid until their session timeout. */
  private readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  private rebalanceTimer: NodeJS.Timeout | null = null;
  /** True while the first rebalance of an empty group waits for more members. */
  private initialDelay = false;
  private readonly options: GroupOptions;

  constructor(groupId: string, options: GroupOptions = {}) {
    this.groupId = groupId;
    this.options = options;
  }

  get size(): number {
    return this.members.size;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  join(input: JoinGroupInput): Promise<JoinGroupResult> {
    const fail = (errorCode: number, memberId = input.memberId): Promise<JoinGroupResult> =>
      Promise.resolve({
        errorCode,
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: '',
        memberId,
        members: [],
      });

    if (this.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (
      input.sessionTimeoutMs < GROUP_MIN_SESSION_TIMEOUT_MS ||
      input.sessionTimeoutMs > GROUP_MAX_SESSION_TIMEOUT_MS
    ) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    if (input.protocolType === '' || input.protocols.length === 0) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (input.protocols.some((p) => p.metadata.byteLength > GROUP_MEMBER_METADATA_MAX_BYTES)) {
      return fail(ErrorCode.INVALID_REQUEST);
    }
    if (!this.supportsProtocols(input)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    if (input.memberId === '') {
      if (this.members.size + this.pendingMembers.size >= GROUP_MEMBERS_MAX_COUNT) {
        return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
      }
      const memberId = `${input.clientId}-${randomUUID()}`;
      if (input.requireKnownMemberId) {
        const timer = setTimeout(() => {
          this.pendingMembers.delete(memberId);
          if (this.state === 'Empty' && this.members.size === 0 && this.pendingMembers.size === 0) {
            this.options.onEmpty?.(this);
          }
        }, input.sessionTimeoutMs);
        timer.unref();
        this.pendingMembers.set(memberId, timer);
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(memberId, input);
    }

    const pending = this.pendingMembers.get(input.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingMembers.delete(input.memberId);
      return this.addMemberAndRebalance(input.memberId, input);
    }
    const member = this.members.get(input.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);

    const unchanged = sameProtocols(member.protocols, input.protocols);
    if (
      unchanged &&
      (this.state === 'CompletingRebalance' ||
        (this.state === 'Stable' && input.memberId !== this.leaderId))
    ) {
      // The member lost our answer and asks again: give it the current generation, no rebalance.
      this.touch(member);
      return Promise.resolve(this.joinResultFor(member));
    }
    return this.updateMemberAndRebalance(member, input);
  }

  sync(memberId: string, generationId: number, assignments: { memberId: string; assignment: Uint8Array }[]): Promise<SyncGroupResult> {
    const fail = (errorCode: number): Promise<SyncGroupResult> =>
      Promise.resolve({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    const member = this.members.get(memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== this.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (this.state) {
      case 'Empty':
      case 'Dead':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.touch(member);
        return Promise.resolve(this.syncResultFor(member));
      case 'CompletingRebalance': {
        this.touch(member);
        const result = new Promise<SyncGroupResult>((resolve) => {
          member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
          member.awaitingSync = resolve;
        });
        if (memberId === this.leaderId) {
          const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of this.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY;
          this.state = 'Stable';
          for (const m of this.members.values()) {
            const resolve = m.awaitingSync;
            m.awaitingSync = null;
            resolve?.(this.syncResultFor(m));
          }
        }
        return result;
      }
    }
  }

  heartbeat(memberId: string, generationId: number): number {
    const member = this.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(member);
    return this.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(memberId: string): number {
    const member = this.members.get(memberId);
    if (member === undefined) {
      const pending = this.pendingMembers.get(memberId);
      if (pending === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      clearTimeout(pending);
      this.pendingMembers.delete(memberId);
      return ErrorCode.NONE;
    }
    this.removeMemberAndRebalance(member);
    return ErrorCode.NONE;
  }

  /** Whether an offset commit from this member and generation may be written. */
  validateCommit(memberId: string, generationId: number): number {
    // A "simple" consumer (assign(), no membership) may commit only to a group nobody is in.
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    const member = this.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // Kafka lets members commit while a rebalance is being prepared (before they rejoin),
    // but not between the join and the assignment.
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(member);
    return ErrorCode.NONE;
  }

  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocolName: this.protocolName ?? '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    };
  }

  /** Stops every timer and answers every waiting request: the broker is shutting down. */
  shutdown(): void {
    this.clearRebalanceTimer();
    for (const timer of this.pendingMembers.values()) clearTimeout(timer);
    this.pendingMembers.clear();
    for (const m of this.members.values()) {
      if (m.sessionTimer !== null) clearTimeout(m.sessionTimer);
      m.awaitingJoin?.({ errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: m.memberId, members: [] });
      m.awaitingSync?.({ errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: EMPTY });
      m.awaitingJoin = null;
      m.awaitingSync = null;
    }
    this.members.clear();
    this.state = 'Dead';
  }

  // ---- internals ----

  private supportsProtocols(input: JoinGroupInput): boolean {
    if (this.members.size === 0) return true;
    if (this.protocolType !== null && this.protocolType !== input.protocolType) return false;
    const names = new Set(input.protocols.map((p) => p.name));
    for (const m of this.members.values()) {
      if (m.memberId === input.memberId) continue;
      if (m.protocolType !== input.protocolType) return false;
      for (const n of [...names]) if (!m.protocols.some((p) => p.name === n)) names.delete(n);
    }
    return names.size > 0;
  }

  private addMemberAndRebalance(memberId: string, input: JoinGroupInput): Promise<JoinGroupResult> {
    const member: Member = {
      memberId,
      groupInstanceId: input.groupInstanceId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocolType: input.protocolType,
      protocols: input.protocols,
      assignment: EMPTY,
      awaitingJoin: null,
      awaitingSync: null,
      sessionTimer: null,
    };
    this.members.set(memberId, member);
    if (this.protocolType === null) this.protocolType = input.protocolType;
    if (this.leaderId === null) this.leaderId = memberId;
    return this.awaitJoin(member);
  }

  private updateMemberAndRebalance(member: Member, input: JoinGroupInput): Promise<JoinGroupResult> {
    member.protocols = input.protocols;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    return this.awaitJoin(member);
  }

  private awaitJoin(member: Member): Promise<JoinGroupResult> {
    const result = new Promise<JoinGroupResult>((resolve) => {
      // A second join from the same member replaces the first; the first gets a retriable error.
      member.awaitingJoin?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: member.memberId, members: [] });
      member.awaitingJoin = resolve;
    });
    // A member waiting in a join is alive by definition; its session restarts with the answer.
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    if (this.state !== 'PreparingRebalance') this.prepareRebalance();
    else this.tryCompleteJoin();
    return result;
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        m.assignment = EMPTY;
        const resolve = m.awaitingSync;
        m.awaitingSync = null;
        resolve?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
      }
    }
    const fromEmpty = this.state === 'Empty';
    this.state = 'PreparingRebalance';
    this.clearRebalanceTimer();
    let timeoutMs = 0;
    for (const m of this.members.values()) timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs);
    if (fromEmpty) {
      this.initialDelay = true;
      timeoutMs = Math.min(timeoutMs, this.options.initialRebalanceDelayMs ?? GROUP_INITIAL_REBALANCE_DELAY_MS);
    }
    this.rebalanceTimer = setTimeout(() => {
      this.rebalanceTimer = null;
      this.initialDelay = false;
      this.completeJoin();
    }, timeoutMs);
    this.rebalanceTimer.unref();
    this.tryCompleteJoin();
  }

  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.initialDelay) return;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.clearRebalanceTimer();
    this.initialDelay = false;
    // Members that did not rejoin within the rebalance timeout are out.
    for (const m of [...this.members.values()]) if (m.awaitingJoin === null) this.removeMember(m);
    this.generationId++;
    if (this.members.size === 0) {
      this.state = 'Empty';
      this.protocolType = null;
      this.protocolName = null;
      this.leaderId = null;
      if (this.pendingMembers.size === 0) this.options.onEmpty?.(this);
      return;
    }
    this.protocolName = this.selectProtocol();
    if (this.leaderId === null || !this.members.has(this.leaderId)) {
      this.leaderId = this.members.keys().next().value!;
    }
    this.state = 'CompletingRebalance';
    for (const m of this.members.values()) {
      const resolve = m.awaitingJoin!;
      m.awaitingJoin = null;
      this.touch(m);
      resolve(this.joinResultFor(m));
    }
  }

  /** Kafka's vote: each member votes for its most preferred protocol that every member supports. */
  private selectProtocol(): string {
    const members = [...this.members.values()];
    const candidates = members[0]!.protocols
      .map((p) => p.name)
      .filter((n) => members.every((m) => m.protocols.some((p) => p.name === n)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
    return best;
  }

  private joinResultFor(member: Member): JoinGroupResult {
    const isLeader = member.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  private syncResultFor(member: Member): SyncGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      assignment: member.assignment,
    };
  }

  /** Restarts the member's session: it said something, so it is alive. */
  private touch(member: Member): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null;
      if (this.members.get(member.memberId) === member && member.awaitingJoin === null) {
        this.removeMemberAndRebalance(member);
      }
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private removeMember(member: Member): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    const noJoin: JoinGroupResult = { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: member.memberId, members: [] };
    member.awaitingJoin?.(noJoin);
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingJoin = null;
    member.awaitingSync = null;
    this.members.delete(member.memberId);
    if (this.leaderId === member.memberId) {
      this.leaderId = this.members.size > 0 ? this.members.keys().next().value! : null;
    }
  }

  private removeMemberAndRebalance(member: Member): void {
    this.removeMember(member);
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    else if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
  }

  private clearRebalanceTimer(): void {
    if (this.rebalanceTimer !== null) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = null;
  }
}
