/**
 * SmartModules on the record path, end to end with a broker process and unmodified clients: the
 * README's story (kcat produces JSON logs, a view that keeps 1 record in 1,000 and one that keeps
 * none read by kafkajs in a group, kcat, confluent-kafka, kafka-python and `sluice consume`; a
 * produce check that refuses bad records), a restart after kill -9, and every misbehaving module
 * as a view and as a check while other topics are served.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kcatConsumeAll, kcatProduce, type KcatCodec } from '../helpers/kcat.js';
import { kafkaClient, kafkajsConsumeAll } from '../helpers/kafkajs.js';
import { confluentConsumeAll, confluentProduce, kafkaPythonConsumeAll } from '../helpers/python-clients.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { expectRefusals, sluiceAgainst, sluiceOk, type CliRun } from '../helpers/sluice-cli.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import type { WireRecord } from '../helpers/wire-record.js';

const PARTITIONS = 3;
const PER_PARTITION = 1000;
const CODECS: KcatCodec[] = ['none', 'zstd', 'lz4'];

let dir: string;
let broker: BrokerProcess;

const sluice = (args: string[], input = ''): Promise<CliRun> => sluiceAgainst(broker, args, input);
const ok = (args: string[], input = ''): Promise<string> => sluiceOk(broker, args, input);

const wasm = (dirName: string, name: string): string => path.join(REPO_ROOT, dirName, name, 'build', `${name}.wasm`);

/** The log line of record n of a partition: one in 1,000 is an error. */
const logLine = (p: number, n: number): string => JSON.stringify({ level: n % PER_PARTITION === 500 + p ? 'error' : 'info', p, n });

/** (partition, offset, value) of records, sorted: what every client must agree on. */
const triples = (records: readonly WireRecord[]): string[] =>
  records.map((r) => `${r.partition}@${r.offset}:${r.value?.toString('utf8')}`).sort();

async function produceLogs(from: number, count: number): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    const messages = Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: logLine(p, from + i) }));
    await kcatProduce(broker.address, 'logs', messages, { partition: p, codec: CODECS[p]! });
  }
}

/** What the error view must answer for the first `upTo` records of every partition. */
function expectedErrors(upTo: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let n = 0; n < upTo; n++) if (JSON.parse(logLine(p, n)).level === 'error') out.push(`${p}@${n}:${logLine(p, n)}`);
  }
  return out.sort();
}

beforeAll(async () => {
  requireTool('kcat');
  requirePythonModules('kafka', 'confluent_kafka');
  dir = makeTempDir('e2e-record-path');
  broker = await BrokerProcess.start({ data: dir });
});
afterAll(async () => {
  await killAllBrokers();
  removeTempDir(dir);
});

describe('SmartModules on the record path, with real clients', () => {
  it('a view any client reads and a produce check any producer meets: the README story', async () => {
    await ok(['topic', 'create', 'logs', '--partitions', String(PARTITIONS)]);
    await ok(['topic', 'create', 'audit', '--partitions', '1']);
    await produceLogs(0, PER_PARTITION);
    await ok(['module', 'create', 'json-filter', wasm('modules', 'json-filter')]);
    await ok(['attach', 'json-filter', '--from', 'logs', '--as', 'errors', '--param', 'field=level', '--param', 'value=error']);
    await ok(['attach', 'json-filter', '--from', 'logs', '--as', 'quiet', '--param', 'field=level', '--param', 'value=fatal']);
    await ok(['attach', 'json-filter', '--on-produce', 'audit', '--param', 'field=level', '--param', 'value=error']);

    const expected = expectedErrors(PER_PARTITION);
    expect(expected).toHaveLength(PARTITIONS);
    const byClient: Record<string, () => Promise<WireRecord[]>> = {
      kafkajs: () => kafkajsConsumeAll(broker.address, 'errors', 60_000),
      kcat: () => kcatConsumeAll(broker.address, 'errors', { timeoutMs: 60_000 }),
      'confluent-kafka': () => confluentConsumeAll(broker.address, 'errors', PARTITIONS, 60_000),
      'kafka-python': () => kafkaPythonConsumeAll(broker.address, 'errors', PARTITIONS, 60_000),
    };
    for (const [client, read] of Object.entries(byClient)) {
      expect(triples(await read()), client).toEqual(expected);
    }
    const cli = (await ok(['consume', 'errors', '-e', '--output', 'json'])).trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: string; value: string });
    expect(cli.map((r) => `${r.partition}@${r.offset}:${r.value}`).sort()).toEqual(expected);

    // A view that keeps nothing: every client still reaches each partition's end, with nothing to show.
    expect(await kafkajsConsumeAll(broker.address, 'quiet', 60_000)).toEqual([]);
    expect(await kcatConsumeAll(broker.address, 'quiet', { timeoutMs: 60_000 })).toEqual([]);
    expect(await confluentConsumeAll(broker.address, 'quiet', PARTITIONS, 60_000)).toEqual([]);
    expect(await kafkaPythonConsumeAll(broker.address, 'quiet', PARTITIONS, 60_000)).toEqual([]);
    expect(await ok(['consume', 'quiet', '-e'])).toBe('');

    // The check: good batches land, a batch with a bad record is refused whole, from every producer.
    const kafka = kafkaClient(broker.address, 'e2e-record-path');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'audit', messages: [{ value: logLine(0, 500) }] });
    await expect(producer.send({ topic: 'audit', messages: [{ value: logLine(0, 500) }, { value: logLine(0, 1) }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
    await producer.disconnect();
    const refused = await sluice(['produce', 'audit'], `${logLine(0, 2)}\n`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('sluice: produce to audit-0: INVALID_RECORD (1 of 1 record(s) rejected by module json-filter (field=level, value=error): record 0)\n');
    await expect(confluentProduce(broker.address, 'audit', [{ partition: 0, timestamp: 0n, key: null, value: Buffer.from(logLine(0, 3)), headers: [] }])).rejects.toThrow(/INVALID_RECORD|Broker: Invalid record/i);
    await ok(['produce', 'audit'], `${logLine(1, 501)}\n`);
    const audit = await kcatConsumeAll(broker.address, 'audit', { timeoutMs: 60_000 });
    expect(audit.map((r) => JSON.parse(r.value!.toString('utf8')).level)).toEqual(['error', 'error']);
  }, 240_000);

  it('views and checks survive kill -9, and a group reading a view resumes from its committed offsets', async () => {
    const kafka: Kafka = kafkaClient(broker.address, 'e2e-record-path-group');
    const groupId = 'view-readers';
    const seen: string[] = [];
    const readAll = async (want: number): Promise<void> => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'errors', fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`group read ${seen.length} of ${want} records`)), 60_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            seen.push(`${partition}@${message.offset}:${message.value?.toString('utf8')}`);
            if (seen.length >= want) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch(reject);
      });
      // Each message's offset is committed after it is handled; leaving commits what was resolved.
      await consumer.disconnect();
    };
    await readAll(PARTITIONS);
    expect(seen.sort()).toEqual(expectedErrors(PER_PARTITION));

    await broker.kill9();
    // The same port: the group's clients reconnect to the address they know.
    broker = await BrokerProcess.start({ data: dir, port: broker.port });
    expect(await ok(['attachment', 'list'])).toBe('view\terrors\tlogs\tjson-filter\trunning\nview\tquiet\tlogs\tjson-filter\trunning\nproduce\taudit\taudit\tjson-filter\trunning\n');
    await produceLogs(PER_PARTITION, PER_PARTITION);
    seen.length = 0;
    await readAll(PARTITIONS);
    // Only the errors produced after the restart: the group resumed where it had committed.
    expect(seen.sort()).toEqual(expectedErrors(2 * PER_PARTITION).filter((t) => !expectedErrors(PER_PARTITION).includes(t)));
    const refused = await sluice(['produce', 'audit'], `${logLine(0, 2)}\n`);
    expect(refused.stderr).toMatch(/INVALID_RECORD/);
  }, 240_000);

  it('every misbehaving module, as a view and as a produce check, costs its own reads and writes only', async () => {
    await ok(['topic', 'create', 'inputs', '--partitions', '1']);
    await ok(['produce', 'inputs'], ['a', 'b', 'boom', 'c'].join('\n') + '\n');
    for (const fixture of ['endless-loop', 'memory-hog', 'value-flood', 'trap']) {
      await ok(['module', 'create', fixture, wasm('test/fixtures/modules', fixture)]);
      // A view answers as much output as fits its bound and the rest on the next read: value-flood
      // fails a view only when one record's output alone passes the bound.
      await ok(['attach', fixture, '--from', 'inputs', '--as', `view-${fixture}`, ...(fixture === 'value-flood' ? ['--param', 'bytes=20000000'] : [])]);
      await ok(['topic', 'create', `checked-${fixture}`, '--partitions', '1']);
      await ok(['attach', fixture, '--on-produce', `checked-${fixture}`]);
      // The view answers (skipping what failed) and ends; the check refuses the batch.
      const read = await sluice(['consume', `view-${fixture}`, '-e']);
      expect(read.code, `${fixture} view: ${read.stderr}`).toBe(0);
      const write = await sluice(['produce', `checked-${fixture}`], 'x\nboom\n');
      expect(write.code, fixture).toBe(1);
      expect(write.stderr, fixture).toMatch(/^sluice: produce to checked-.*: (INVALID_RECORD|REQUEST_TIMED_OUT|MESSAGE_TOO_LARGE) \(module /);
      // Meanwhile the broker serves everything else.
      expect(await kcatConsumeAll(broker.address, 'audit', { timeoutMs: 30_000 })).toHaveLength(2);
      expect(broker.alive).toBe(true);
      const view = JSON.parse(await ok(['attachment', 'status', `view-${fixture}`, '--output', 'json'])) as { stats: { errors: Record<string, number> } };
      const check = JSON.parse(await ok(['attachment', 'status', `checked-${fixture}`, '--on-produce', '--output', 'json'])) as { stats: { errors: Record<string, number> } };
      const total = (e: Record<string, number>): number => Object.values(e).reduce((a, b) => a + b, 0);
      expect(total(view.stats.errors), fixture).toBeGreaterThanOrEqual(1);
      expect(total(check.stats.errors), fixture).toBe(1);
    }
    expect(triples(await kcatConsumeAll(broker.address, 'view-trap', { timeoutMs: 30_000 })).map((t) => t.split(':')[1])).toEqual(['a', 'b', 'c']);
  }, 240_000);
});
