import { describe, expect, it } from 'vitest';
import { Group } from '../../../broker/groups/group.js';
import type { JoinGroupInput } from '../../../broker/groups/types.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';

const enc = new TextEncoder();

function input(memberId: string, overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    memberId,
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '127.0.0.1',
    sessionTimeoutMs: 1_000,
    rebalanceTimeoutMs: 1_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: enc.encode('m') }],
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** Joins a member through the v4 MEMBER_ID_REQUIRED flow; returns its id and the pending join. */
async function joinNew(g: Group, overrides: Partial<JoinGroupInput> = {}) {
  const first = await g.join(input('', overrides));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId).not.toBe('');
  return { memberId: first.memberId, join: g.join(input(first.memberId, overrides)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Group', () => {
  it('runs one member from Empty to Stable: id required, join, leader sync', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    const { memberId, join } = await joinNew(g);
    const joined = await join;
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    expect(joined.generationId).toBe(1);
    expect(joined.leader).toBe(memberId);
    expect(joined.protocolName).toBe('range');
    expect(joined.members.map((m) => m.memberId)).toEqual([memberId]);
    expect(g.state).toBe('CompletingRebalance');
    const synced = await g.sync(memberId, 1, [{ memberId, assignment: enc.encode('all') }]);
    expect(synced.errorCode).toBe(ErrorCode.NONE);
    expect(new TextDecoder().decode(synced.assignment)).toBe('all');
    expect(g.state).toBe('Stable');
    expect(g.heartbeat(memberId, 1)).toBe(ErrorCode.NONE);
    g.shutdown();
  });

  it('rebalances when a second member joins: the first learns through its heartbeat and rejoins', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    const a = await joinNew(g);
    await a.join;
    await g.sync(a.memberId, 1, [{ memberId: a.memberId, assignment: enc.encode('a:all') }]);

    const b = await joinNew(g);
    expect(g.state).toBe('PreparingRebalance');
    expect(g.heartbeat(a.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const aJoin = g.join(input(a.memberId));
    const [ja, jb] = await Promise.all([aJoin, b.join]);
    expect(ja.generationId).toBe(2);
    expect(jb.generationId).toBe(2);
    // The leader alone gets the member list.
    expect(ja.leader).toBe(a.memberId);
    expect(ja.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(jb.members).toEqual([]);

    // The follower's sync waits for the leader's assignment.
    const sb = g.sync(b.memberId, 2, []);
    const sa = g.sync(a.memberId, 2, [
      { memberId: a.memberId, assignment: enc.encode('a:0-2') },
      { memberId: b.memberId, assignment: enc.encode('b:3-5') },
    ]);
    expect(new TextDecoder().decode((await sb).assignment)).toBe('b:3-5');
    expect(new TextDecoder().decode((await sa).assignment)).toBe('a:0-2');
    expect(g.state).toBe('Stable');
    g.shutdown();
  });

  it('removes a member that stops heartbeating and rebalances the rest', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    const a = await joinNew(g);
    const b = await joinNew(g);
    await Promise.all([a.join, b.join]);
    await Promise.all([g.sync(b.memberId, 1, []), g.sync(a.memberId, 1, [])]);
    expect(g.size).toBe(2);
    // a heartbeats, b is silent past its 1 s session timeout.
    const deadline = Date.now() + 1_600;
    while (Date.now() < deadline && g.size === 2) {
      g.heartbeat(a.memberId, g.generationId);
      await sleep(100);
    }
    expect(g.size).toBe(1);
    expect(g.hasMember(b.memberId)).toBe(false);
    expect(g.heartbeat(a.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await g.join(input(a.memberId));
    expect(rejoin.generationId).toBe(2);
    expect(rejoin.members.map((m) => m.memberId)).toEqual([a.memberId]);
    g.shutdown();
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    const a = await joinNew(g, { rebalanceTimeoutMs: 300 });
    const b = await joinNew(g, { rebalanceTimeoutMs: 300 });
    await Promise.all([a.join, b.join]);
    await Promise.all([g.sync(b.memberId, 1, []), g.sync(a.memberId, 1, [])]);
    // a rejoins (e.g. new subscription); b keeps heartbeating but never rejoins.
    const started = Date.now();
    const rejoin = g.join(input(a.memberId, { rebalanceTimeoutMs: 300, protocols: [{ name: 'range', metadata: enc.encode('m2') }] }));
    const res = await rejoin;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(res.generationId).toBe(2);
    expect(res.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(g.heartbeat(b.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    g.shutdown();
  });

  it('leave triggers a rebalance; the last member leaving empties the group', async () => {
    let emptied = 0;
    const g = new Group('g', { initialRebalanceDelayMs: 0, onEmpty: () => emptied++ });
    const a = await joinNew(g);
    const b = await joinNew(g);
    await Promise.all([a.join, b.join]);
    await Promise.all([g.sync(b.memberId, 1, []), g.sync(a.memberId, 1, [])]);
    expect(g.leave(b.memberId)).toBe(ErrorCode.NONE);
    expect(g.state).toBe('PreparingRebalance');
    const res = await g.join(input(a.memberId));
    expect(res.members.map((m) => m.memberId)).toEqual([a.memberId]);
    await g.sync(a.memberId, res.generationId, []);
    expect(g.leave(a.memberId)).toBe(ErrorCode.NONE);
    expect(g.state).toBe('Empty');
    expect(emptied).toBe(1);
    expect(g.leave('nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    g.shutdown();
  });

  it('answers errors for wrong members, generations and protocols', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    expect((await g.join(input('ghost'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await g.join(input('', { sessionTimeoutMs: 10 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await g.join(input('', { protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const a = await joinNew(g);
    await a.join;
    expect((await g.sync(a.memberId, 7, [])).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await g.sync('ghost', 1, [])).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await g.sync(a.memberId, 1, []);
    expect(g.heartbeat(a.memberId, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    // No protocol in common with the group.
    const other = await g.join(input('', { requireKnownMemberId: false, protocols: [{ name: 'roundrobin', metadata: enc.encode('') }] }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // Offset commits: members of the current generation only; simple commits only to an empty group.
    expect(g.validateCommit(a.memberId, 1)).toBe(ErrorCode.NONE);
    expect(g.validateCommit(a.memberId, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(g.validateCommit('', -1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(new Group('empty').validateCommit('', -1)).toBe(ErrorCode.NONE);
    g.shutdown();
  });

  it('selects the protocol every member supports, by vote', async () => {
    const g = new Group('g', { initialRebalanceDelayMs: 0 });
    const p = (names: string[]) => names.map((name) => ({ name, metadata: enc.encode(name) }));
    const a = await joinNew(g, { protocols: p(['roundrobin', 'range']) });
    const b = await joinNew(g, { protocols: p(['range', 'roundrobin']) });
    const c = await joinNew(g, { protocols: p(['range']) });
    const [ra] = await Promise.all([a.join, b.join, c.join]);
    expect(ra.protocolName).toBe('range');
    expect(ra.members.map((m) => new TextDecoder().decode(m.metadata))).toEqual(['range', 'range', 'range']);
    g.shutdown();
  });
});
