/**
 * `sluice group list|describe|delete|reset-offsets`: consumer groups on a running broker, through
 * ListGroups, DescribeGroups, OffsetFetch, ListOffsets, DeleteGroups and OffsetCommit.
 */
import type { Command } from 'commander';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { decodeAssignment, type TopicPartitions } from '../../broker/protocol/consumer-protocol.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import { CliError } from '../cli-error.js';
import type { KafkaClient } from '../kafka-client/kafka-client.js';
import { VERSIONS, type ClientFlags, kafkaFailure, listOffsets, outputOf, print, requireTopic, withClient } from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

const LATEST = -1n;
const EARLIEST = -2n;

interface MemberView {
  memberId: string;
  clientId: string;
  clientHost: string;
  assignment: TopicPartitions[];
}

interface PartitionView {
  topic: string;
  partition: number;
  /** null: the group never committed one. */
  committed: bigint | null;
  logEnd: bigint;
  lag: bigint | null;
  member: string | null;
}

interface GroupView {
  group: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: MemberView[];
  partitions: PartitionView[];
}

async function describeGroup(client: KafkaClient, group: string): Promise<{ state: string; protocolType: string; protocol: string; members: MemberView[] }> {
  const res = await client.request(ApiKey.DescribeGroups, VERSIONS.describeGroups, { groups: [group], includeAuthorizedOperations: false });
  const g = res.groups[0];
  if (g === undefined || g.errorCode !== ErrorCode.NONE) throw kafkaFailure(`group ${group}`, g?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  const members = g.members.map((m) => {
    let assignment: TopicPartitions[] = [];
    try {
      assignment = decodeAssignment(m.memberAssignment);
    } catch {
      // Not the consumer protocol (Kafka Connect, say): its members own no partitions we can name.
    }
    return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment };
  });
  return { state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, members };
}

/** Members, assignments, committed offsets, log end offsets and lag per partition. */
async function groupView(client: KafkaClient, group: string): Promise<GroupView> {
  const description = await describeGroup(client, group);
  const fetched = await client.request(ApiKey.OffsetFetch, VERSIONS.offsetFetch, { groupId: group, topics: null });
  if (fetched.errorCode !== ErrorCode.NONE) throw kafkaFailure(`group ${group} offsets`, fetched.errorCode);
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const rows = new Map<string, PartitionView>();
  const row = (topic: string, partition: number): PartitionView => {
    let r = rows.get(key(topic, partition));
    if (r === undefined) rows.set(key(topic, partition), (r = { topic, partition, committed: null, logEnd: -1n, lag: null, member: null }));
    return r;
  };
  for (const t of fetched.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) row(t.name, p.partitionIndex).committed = p.committedOffset;
  for (const m of description.members) for (const a of m.assignment) for (const p of a.partitions) row(a.topic, p).member = m.memberId;
  const topics = new Map<string, number[]>();
  for (const r of rows.values()) topics.set(r.topic, [...(topics.get(r.topic) ?? []), r.partition]);
  for (const [topic, partitions] of topics) {
    const ends = await listOffsets(client, topic, partitions, LATEST);
    for (const p of partitions) {
      const r = row(topic, p);
      r.logEnd = ends.get(p) ?? -1n;
      if (r.committed !== null) r.lag = r.logEnd > r.committed ? r.logEnd - r.committed : 0n;
    }
  }
  const partitions = [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { group, ...description, partitions };
}

function printGroup(v: GroupView, out: 'text' | 'json'): void {
  if (out === 'json') {
    const s = (n: bigint | null) => (n === null ? null : String(n));
    print(JSON.stringify({ ...v, partitions: v.partitions.map((p) => ({ ...p, committed: s(p.committed), logEnd: String(p.logEnd), lag: s(p.lag) })) }));
    return;
  }
  print(`group ${v.group}: ${v.state}${v.protocolType ? ` (${v.protocolType}${v.protocol ? `, ${v.protocol}` : ''})` : ''}, ${v.members.length} member(s)`);
  for (const m of v.members) {
    const owns = m.assignment.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ');
    print(`  member ${m.memberId} client ${m.clientId} host ${m.clientHost}${owns ? ` owns ${owns}` : ''}`);
  }
  if (v.partitions.length > 0) print('  TOPIC\tPARTITION\tCOMMITTED\tLOG-END\tLAG\tMEMBER');
  for (const p of v.partitions) print(`  ${p.topic}\t${p.partition}\t${p.committed ?? '-'}\t${p.logEnd}\t${p.lag ?? '-'}\t${p.member ?? '-'}`);
}

/** Where `--to` puts each partition: earliest, latest, an offset (clamped to what the log has) or the first offset at a time. */
async function targetOffsets(client: KafkaClient, topic: string, partitions: number[], to: string): Promise<Map<number, bigint>> {
  const [earliest, latest] = await Promise.all([listOffsets(client, topic, partitions, EARLIEST), listOffsets(client, topic, partitions, LATEST)]);
  if (to === 'earliest') return earliest;
  if (to === 'latest') return latest;
  const clamp = (p: number, o: bigint) => (o < earliest.get(p)! ? earliest.get(p)! : o > latest.get(p)! ? latest.get(p)! : o);
  if (/^\d+$/.test(to)) return new Map(partitions.map((p) => [p, clamp(p, BigInt(to))]));
  const ms = Date.parse(to);
  if (!/\d{4}-\d{2}-\d{2}/.test(to) || Number.isNaN(ms)) {
    throw new CliError(`--to: expected earliest, latest, an offset or a date-time such as 2024-05-01T12:00:00Z, got ${JSON.stringify(to)}`, 2);
  }
  const at = await listOffsets(client, topic, partitions, BigInt(ms));
  // No record at or after that time: the end, as Kafka's tool does.
  return new Map(partitions.map((p) => [p, at.get(p)! < 0n ? latest.get(p)! : at.get(p)!]));
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('consumer groups on a running broker');

  withBootstrap(group.command('list'))
    .description('list consumer groups, with or without members')
    .action(async (flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.ListGroups, VERSIONS.listGroups, {});
        if (res.errorCode !== ErrorCode.NONE) throw kafkaFailure('group list', res.errorCode);
        const groups = [...res.groups].sort((a, b) => a.groupId.localeCompare(b.groupId));
        const states = await Promise.all(groups.map(async (g) => (await describeGroup(client, g.groupId)).state));
        groups.forEach((g, i) => {
          print(out === 'json' ? JSON.stringify({ group: g.groupId, state: states[i], protocolType: g.protocolType }) : `${g.groupId}\t${states[i]}\t${g.protocolType || '-'}`);
        });
      });
    });

  withBootstrap(group.command('describe <group>'))
    .description('members, assignments, committed offsets and lag per partition')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const v = await groupView(client, name);
        if (v.state === 'Dead') throw kafkaFailure(`group ${name}`, ErrorCode.GROUP_ID_NOT_FOUND, 'no members and no committed offsets');
        printGroup(v, out);
      });
    });

  withBootstrap(group.command('delete <group>'))
    .description('delete a group without members, and its committed offsets')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.DeleteGroups, VERSIONS.deleteGroups, { groupsNames: [name] });
        const r = res.results[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) {
          const why = r?.errorCode === ErrorCode.NON_EMPTY_GROUP ? 'the group has members; stop its consumers first' : null;
          throw kafkaFailure(`group delete ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, why);
        }
        print(out === 'json' ? JSON.stringify({ group: name, deleted: true }) : `deleted group ${name}`);
      });
    });

  withBootstrap(group.command('reset-offsets <group>'))
    .description("move a group's committed offsets of a topic (refused while the group has members)")
    .requiredOption('--topic <topic>', 'the topic whose offsets move')
    .requiredOption('--to <where>', 'earliest, latest, an offset, or a date-time (ISO 8601)')
    .option('--dry-run', 'print the new offsets without committing them')
    .action(async (name: string, flags: ClientFlags & { topic: string; to: string; dryRun?: boolean }, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const { state, members } = await describeGroup(client, name);
        if (state !== 'Empty' && state !== 'Dead') {
          throw new CliError(`group reset-offsets ${name}: the group has ${members.length} member(s) (${state}); stop its consumers first`);
        }
        const meta = await requireTopic(client, flags.topic);
        const partitions = meta.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
        const offsets = await targetOffsets(client, flags.topic, partitions, flags.to);
        if (!flags.dryRun) {
          const res = await client.request(ApiKey.OffsetCommit, VERSIONS.offsetCommit, {
            groupId: name,
            // No membership: the broker accepts this only while nobody is in the group.
            generationId: -1,
            memberId: '',
            groupInstanceId: null,
            retentionTimeMs: -1n,
            topics: [{ name: flags.topic, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: offsets.get(p)!, committedLeaderEpoch: -1, committedMetadata: null })) }],
          });
          for (const p of res.topics[0]?.partitions ?? []) {
            if (p.errorCode === ErrorCode.NONE) continue;
            const why = p.errorCode === ErrorCode.UNKNOWN_MEMBER_ID ? 'a consumer joined the group meanwhile; stop its consumers first' : null;
            throw kafkaFailure(`group reset-offsets ${name} ${flags.topic}-${p.partitionIndex}`, p.errorCode, why);
          }
        }
        for (const p of partitions) {
          const o = offsets.get(p)!;
          print(out === 'json' ? JSON.stringify({ group: name, topic: flags.topic, partition: p, offset: String(o), committed: !flags.dryRun }) : `${name} ${flags.topic}-${p} -> ${o}${flags.dryRun ? ' (dry run)' : ''}`);
        }
      });
    });
}
