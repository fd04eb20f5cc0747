/**
 * The real `sluice` process against a real broker: `topic alter`, `topic delete-records` and
 * `group list|describe|delete|reset-offsets`, text and JSON, with a kafkajs consumer group as the
 * group whose lag is read while it consumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, Kafka } from 'kafkajs';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { REPO_ROOT, SLUICE_BIN, ensureBuilt } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { runProcess } from '../helpers/tools.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let broker: BrokerProcess;
let dir: string;
let kafka: Kafka;

async function sluice(...args: string[]): Promise<Run> {
  ensureBuilt();
  const r = await runProcess(process.execPath, [SLUICE_BIN, ...args, '--bootstrap', broker.address], { cwd: REPO_ROOT, timeoutMs: 30_000 });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

async function json<T>(...args: string[]): Promise<T> {
  const r = await sluice('--output', 'json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Fails with one line on stderr, a non-zero exit, and the message matching. */
async function fails(pattern: RegExp, ...args: string[]): Promise<void> {
  const r = await sluice(...args);
  expect(r.code, args.join(' ')).not.toBe(0);
  expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  expect(r.stderr, args.join(' ')).toMatch(pattern);
}

async function produce(topic: string, partition: number, count: number, timestamp?: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition, value: `v${i}`, ...(timestamp !== undefined ? { timestamp: String(timestamp) } : {}) })) });
  await producer.disconnect();
}

beforeAll(async () => {
  dir = makeTempDir('admin-cli');
  broker = await BrokerProcess.start({ data: dir });
  kafka = kafkaClient(broker.address, 'admin-cli');
});
afterAll(async () => {
  await killAllBrokers();
  removeTempDir(dir);
});

describe('sluice topic alter / delete-records', () => {
  it('grows a topic and sets and deletes configs', async () => {
    expect((await sluice('topic', 'create', 'alt', '--partitions', '2', '--config', 'max.message.bytes=5000')).code).toBe(0);
    const text = await sluice('topic', 'alter', 'alt', '--partitions', '4', '--config', 'retention.ms=60000', '--config', 'compression.type=zstd', '--delete-config', 'max.message.bytes');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('altered topic alt: 4 partition(s), retention.ms=60000, compression.type=zstd, max.message.bytes back to its default\n');
    const d = await json<{ partitions: unknown[]; configs: Record<string, string> }>('topic', 'describe', 'alt');
    expect(d.partitions).toHaveLength(4);
    expect(d.configs).toMatchObject({ 'retention.ms': '60000', 'compression.type': 'zstd', 'max.message.bytes': '1048588' });
    expect(await json('topic', 'alter', 'alt', '--config', 'retention.ms=120000')).toEqual({ topic: 'alt', altered: true, set: { 'retention.ms': '120000' }, deleted: [] });
  });

  it('refuses bad alterations with one line and a non-zero exit, changing nothing', async () => {
    await fails(/topic alter alt: INVALID_PARTITIONS \(.*can only grow\)/, 'topic', 'alter', 'alt', '--partitions', '2');
    await fails(/topic alter alt: INVALID_CONFIG \(retention\.ms: expected an integer/, 'topic', 'alter', 'alt', '--config', 'retention.ms=soon', '--partitions', '8');
    await fails(/give --partitions, --config or --delete-config/, 'topic', 'alter', 'alt');
    await fails(/UNKNOWN_TOPIC_OR_PARTITION/, 'topic', 'alter', 'nope', '--partitions', '3');
    const d = await json<{ partitions: unknown[]; configs: Record<string, string> }>('topic', 'describe', 'alt');
    expect([d.partitions.length, d.configs['retention.ms']]).toEqual([4, '120000']);
  });

  it('deletes records before an offset, and refuses past the end', async () => {
    expect((await sluice('topic', 'create', 'trimmed')).code).toBe(0);
    await produce('trimmed', 0, 10);
    expect(await json('topic', 'delete-records', 'trimmed', '--partition', '0', '--before', '6')).toEqual({ topic: 'trimmed', partition: 0, logStartOffset: '6' });
    const r = await sluice('topic', 'delete-records', 'trimmed', '--partition', '0', '--before', '8');
    expect(r.stdout).toBe('trimmed-0: log start offset now 8\n');
    await fails(/OFFSET_OUT_OF_RANGE \(offset 11 is past the partition's end\)/, 'topic', 'delete-records', 'trimmed', '--partition', '0', '--before', '11');
    const back = await sluice('consume', 'trimmed', '-e');
    expect(back.stdout).toBe('v8\nv9\n');
  });
});

describe('sluice group', () => {
  let consumer: Consumer | undefined;

  it('describes the lag of a kafkajs group while it consumes, as its commits move', async () => {
    expect((await sluice('topic', 'create', 'lagging', '--partitions', '2')).code).toBe(0);
    await produce('lagging', 0, 50);
    await produce('lagging', 1, 50);
    const stopAt = new Map([[0, 20], [1, 30]]);
    const committed = new Set<number>();
    consumer = kafka.consumer({ groupId: 'lag-group', sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lagging', fromBeginning: true });
    let done!: () => void;
    const bothCommitted = new Promise<void>((r) => (done = r));
    const c = consumer;
    await c.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const next = Number(message.offset) + 1;
        if (next !== stopAt.get(partition) || committed.has(partition)) return;
        await c.commitOffsets([{ topic: 'lagging', partition, offset: String(next) }]);
        // Paused, the member stays in the group (it heartbeats) and its commits stay where they are.
        c.pause([{ topic: 'lagging', partitions: [partition] }]);
        committed.add(partition);
        if (committed.size === 2) done();
      },
    });
    await bothCommitted;

    type View = { state: string; members: { memberId: string; assignment: { topic: string; partitions: number[] }[] }[]; partitions: { partition: number; committed: string; logEnd: string; lag: string; member: string }[] };
    const view = await json<View>('group', 'describe', 'lag-group');
    expect(view.state).toBe('Stable');
    expect(view.members).toHaveLength(1);
    expect(view.members[0]!.assignment).toEqual([{ topic: 'lagging', partitions: [0, 1] }]);
    const member = view.members[0]!.memberId;
    expect(view.partitions.map((p) => [p.partition, p.committed, p.logEnd, p.lag, p.member])).toEqual([[0, '20', '50', '30', member], [1, '30', '50', '20', member]]);
    // More records: the lag grows; the text form says the same.
    await produce('lagging', 0, 10);
    const text = await sluice('group', 'describe', 'lag-group');
    expect(text.stdout).toMatch(/^group lag-group: Stable \(consumer, \w+\), 1 member\(s\)\n/);
    expect(text.stdout).toContain(`  lagging\t0\t20\t60\t40\t${member}\n`);
    expect(text.stdout).toContain(`  lagging\t1\t30\t50\t20\t${member}\n`);

    expect((await sluice('group', 'list')).stdout).toBe('lag-group\tStable\tconsumer\n');
    await fails(/group delete lag-group: NON_EMPTY_GROUP \(the group has members; stop its consumers first\)/, 'group', 'delete', 'lag-group');
    await fails(/the group has 1 member\(s\) \(Stable\); stop its consumers first/, 'group', 'reset-offsets', 'lag-group', '--topic', 'lagging', '--to', 'earliest');
  }, 60_000);

  it('resets offsets of a group without members, to earliest, latest, an offset or a time, then deletes it', async () => {
    await consumer?.disconnect();
    const reset = async (to: string, ...more: string[]) =>
      (await sluice('--output', 'json', 'group', 'reset-offsets', 'lag-group', '--topic', 'lagging', '--to', to, ...more)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: string; committed: boolean });
    const committedNow = async () => (await json<{ partitions: { partition: number; committed: string }[] }>('group', 'describe', 'lag-group')).partitions.map((p) => p.committed);
    expect((await reset('earliest')).map((p) => p.offset)).toEqual(['0', '0']);
    expect(await committedNow()).toEqual(['0', '0']);
    expect((await reset('latest')).map((p) => p.offset)).toEqual(['60', '50']);
    // An offset past the end is clamped to it, as Kafka's tool does; a dry run commits nothing.
    expect((await reset('55', '--dry-run')).map((p) => [p.offset, p.committed])).toEqual([['55', false], ['50', false]]);
    expect(await committedNow()).toEqual(['60', '50']);
    expect((await reset('7')).map((p) => p.offset)).toEqual(['7', '7']);
    await produce('lagging', 1, 5, Date.parse('2030-01-01T00:00:00Z'));
    expect((await reset('2029-12-31T23:59:59Z')).map((p) => p.offset)).toEqual(['60', '50']);
    await fails(/--to: expected earliest, latest, an offset or a date-time/, 'group', 'reset-offsets', 'lag-group', '--topic', 'lagging', '--to', 'yesterday');
    expect((await sluice('group', 'delete', 'lag-group')).stdout).toBe('deleted group lag-group\n');
    await fails(/group lag-group: GROUP_ID_NOT_FOUND/, 'group', 'describe', 'lag-group');
    await fails(/group delete lag-group: GROUP_ID_NOT_FOUND/, 'group', 'delete', 'lag-group');
    expect((await sluice('group', 'list')).stdout).toBe('');
  }, 60_000);
});
