/**
 * The real `sluice` process: `broker start` (its one stdout line, SIGTERM flushing and exiting 0)
 * and the client commands `topic`, `produce`, `consume` against it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../broker/protocol/record-batch.js';
import { KafkaClient } from '../../cli/kafka-client/kafka-client.js';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { REPO_ROOT, SLUICE_BIN, ensureBuilt } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { runProcess } from '../helpers/tools.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function sluice(args: string[], stdin = ''): Promise<Run> {
  ensureBuilt();
  const r = await runProcess(process.execPath, [SLUICE_BIN, ...args], { cwd: REPO_ROOT, input: stdin, timeoutMs: 30_000 });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = makeTempDir('cli');
  dirs.push(d);
  return d;
}

afterAll(async () => {
  await killAllBrokers();
  for (const d of dirs) removeTempDir(d);
});

describe('sluice broker start', () => {
  it('prints exactly one line on stdout, logs on stderr, registers the examples, and refuses bad config with one line', async () => {
    const data = tempDir();
    const b = await BrokerProcess.start({ data, extraArgs: ['--register-examples'] });
    expect(b.port).toBeGreaterThan(0);
    expect(b.host).toBe('127.0.0.1');
    const code = await b.stop();
    expect(code).toBe(0);
    const stdout = b.output().split('--- broker stderr ---')[0]!.replace('--- broker stdout ---', '').trim();
    expect(stdout.split('\n')).toEqual([`sluice broker listening on 127.0.0.1:${b.port} (bucket: ${data})`]);
    // npm test builds the example modules first (pretest), so every one of them is registered.
    expect(b.output()).toMatch(/"modules":\[[^\]]*"json-filter"[^\]]*\],"msg":"registered example modules"/);
    expect(b.output()).not.toMatch(/example modules not built/);

    const bad = await sluice(['broker', 'start', '--port', '99999', '--data', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe('sluice: config: port: expected a number from 0 to 65535');
    const none = await sluice(['broker', 'start', '--port', '0']);
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/data/);
  });

  it('on SIGTERM finishes a produce still waiting for its flush, flushes, and exits 0', async () => {
    const data = tempDir();
    // Topic creation also waits for a flush, so it happens on a broker with the default bound.
    const first = await BrokerProcess.start({ data });
    const admin = await KafkaClient.connect(first.address);
    const created = await admin.request(ApiKey.CreateTopics, 3, { topics: [{ name: 'late', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    admin.close();
    expect(await first.stop()).toBe(0);

    // A flush bound far away: the produce below is answered only because shutdown flushes.
    const slow = ['--flush-interval-ms', '60000', '--flush-max-bytes', '100000000'];
    const b = await BrokerProcess.start({ data, extraArgs: slow });
    const c = await KafkaClient.connect(b.address);
    const produced = c.request(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 60_000,
      topicData: [{ name: 'late', partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value: new TextEncoder().encode('survivor') }]) }] }],
    });
    let answered = false;
    void produced.then(() => (answered = true), () => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(answered).toBe(false);
    const stopping = b.stop();
    const res = await produced;
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await stopping).toBe(0);
    c.close();

    const again = await BrokerProcess.start({ data });
    const out = await sluice(['consume', 'late', '-e', '--bootstrap', again.address]);
    expect(out.stdout).toBe('survivor\n');
    expect(await again.stop()).toBe(0);
  });
});

describe('fencing', () => {
  it('a broker fenced by a newer one on the same bucket logs it and exits non-zero', async () => {
    const data = tempDir();
    const old = await BrokerProcess.start({ data });
    const newer = await BrokerProcess.start({ data });
    const deadline = Date.now() + 20_000;
    while (old.alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(old.alive).toBe(false);
    expect(old.exit?.code).toBe(3);
    expect(old.output()).toMatch(/fenced/);
    expect(await newer.stop()).toBe(0);
  });
});

describe('sluice topic / produce / consume', () => {
  let b: BrokerProcess;
  let bootstrap: string[];
  beforeAll(async () => {
    b = await BrokerProcess.start({ data: tempDir() });
    bootstrap = ['--bootstrap', b.address];
  });

  it('creates, lists, describes and deletes topics', async () => {
    const created = await sluice(['topic', 'create', 'cli-t', '--partitions', '3', '--config', 'retention.ms=60000', ...bootstrap]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/created topic cli-t with 3 partition/);
    const list = await sluice(['topic', 'list', ...bootstrap]);
    expect(list.stdout).toContain('cli-t\t3');
    const described = await sluice(['--output', 'json', 'topic', 'describe', 'cli-t', ...bootstrap]);
    const d = JSON.parse(described.stdout) as { partitions: unknown[]; configs: Record<string, string> };
    expect(d.partitions).toHaveLength(3);
    expect(d.configs['retention.ms']).toBe('60000');
    const dup = await sluice(['topic', 'create', 'cli-t', ...bootstrap]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr.trim()).toMatch(/^sluice: topic create cli-t: TOPIC_ALREADY_EXISTS/);
    expect(dup.stderr.trim().split('\n')).toHaveLength(1);
    const del = await sluice(['topic', 'delete', 'cli-t', ...bootstrap]);
    expect(del.code).toBe(0);
    const gone = await sluice(['topic', 'describe', 'cli-t', ...bootstrap]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
  });

  it('produces stdin lines with keys and consumes them back, as text and JSON', async () => {
    expect((await sluice(['topic', 'create', 'lines', '--partitions', '2', ...bootstrap])).code).toBe(0);
    const input = Array.from({ length: 50 }, (_, i) => `key${i % 5}:value ${i}`).join('\n') + '\n';
    const p = await sluice(['produce', 'lines', '--key-separator', ':', ...bootstrap], input);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('produced 50 record(s)');
    // A topic not created first is created on first use, as a Kafka producer expects.
    const fresh = await sluice(['produce', 'first-use', ...bootstrap], 'hello\n');
    expect(fresh.code).toBe(0);
    const back = await sluice(['consume', 'first-use', '-e', ...bootstrap]);
    expect(back.stdout).toBe('hello\n');
    const json = await sluice(['consume', 'lines', '-e', '--output', 'json', ...bootstrap]);
    expect(json.code).toBe(0);
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: string; partition: number; offset: string });
    expect(records).toHaveLength(50);
    // Same key, same partition; order kept within a partition.
    const partitionOfKey = new Map<string, number>();
    for (const r of records) {
      const seen = partitionOfKey.get(r.key);
      if (seen !== undefined) expect(r.partition).toBe(seen);
      partitionOfKey.set(r.key, r.partition);
    }
    const values = (part: number) => records.filter((r) => r.partition === part).map((r) => Number(r.value.split(' ')[1]));
    for (const part of [0, 1]) expect(values(part)).toEqual([...values(part)].sort((a, b) => a - b));
    const text = await sluice(['consume', 'lines', '--partition', '0', '--offset', '2', '--max', '3', ...bootstrap]);
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
    expect(text.stdout).toMatch(/^value \d+\n/);
  });

  it('fails with one line and a non-zero exit on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['produce', 'no/such/topic', ...bootstrap], /INVALID_TOPIC_EXCEPTION/],
      [['consume', 'no-such-topic', '-e', ...bootstrap], /UNKNOWN_TOPIC_OR_PARTITION/],
      [['consume', 'lines', '--offset', 'yesterday', ...bootstrap], /--offset/],
      [['consume', 'lines', '--partition', '9', ...bootstrap], /--partition 9/],
      [['topic', 'create', 'x', '--partitions', 'many', ...bootstrap], /--partitions/],
      [['topic', 'create', 'x', '--config', 'nonsense', ...bootstrap], /--config/],
      [['topic', 'create', 'x', '--config', 'cleanup.policy=compact', ...bootstrap], /INVALID_CONFIG/],
      [['topic', 'list', '--bootstrap', 'nowhere'], /bootstrap/],
      [['topic', 'list', '--bootstrap', '127.0.0.1:1'], /cannot connect/],
    ];
    const runs = await Promise.all(cases.map(([args]) => sluice(args)));
    for (const [i, [args, pattern]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });
});
