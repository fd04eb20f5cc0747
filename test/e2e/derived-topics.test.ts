/**
 * Derived topics end to end with a broker process and unmodified clients: kcat produces JSON logs
 * to a 3-partition topic; a filter and a filter -> count-sum chain are attached with the CLI; a
 * kafkajs group, kcat and kafka-python each read exactly what running the modules once over the
 * source gives; records produced afterwards reach the derived topics within a second; and every
 * bad request is refused in one line, changing nothing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkajsConsumeAll, kafkaClient } from '../helpers/kafkajs.js';
import { kcatConsumeAll, kcatProduce } from '../helpers/kcat.js';
import { kafkaPythonConsumeAll } from '../helpers/python-clients.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { expectRefusals, sluiceAgainst, sluiceOk, type CliRun } from '../helpers/sluice-cli.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import type { WireRecord } from '../helpers/wire-record.js';
import type { HostRecord } from '../../runtime/index.js';
import { referenceOutput, type RefStep } from '../broker/pipelines/reference.js';

const PARTITIONS = 3;
const FILTER: RefStep = { module: 'json-filter', params: { field: 'level', value: 'error' } };
const SUM: RefStep = { module: 'count-sum', params: { field: 'amount' } };

let dir: string;
let broker: BrokerProcess;

const sluice = (args: string[], input = ''): Promise<CliRun> => sluiceAgainst(broker, args, input);
const ok = (args: string[], input = ''): Promise<string> => sluiceOk(broker, args, input);

const logLine = (n: number, p: number): string => JSON.stringify({ level: (n + p) % 4 === 0 ? 'error' : 'info', amount: n * 3 + p, n });

async function produceLogs(from: number, count: number): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    await kcatProduce(broker.address, 'logs', Array.from({ length: count }, (_, i) => ({ key: `user-${(from + i) % 5}`, value: logLine(from + i, p) })), { partition: p, codec: 'zstd' });
  }
}

async function caughtUp(): Promise<void> {
  for (;;) {
    const all = JSON.parse(await ok(['pipeline', 'list', '--output', 'json'])) as { lag: string; state: string }[];
    if (all.length > 0 && all.every((p) => p.lag === '0' && p.state === 'running')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** (partition, key, value) in partition and offset order: what each client must see. */
const triples = (records: readonly WireRecord[]): string[] =>
  [...records].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset)).map((r) => `${r.partition}|${r.key?.toString('utf8')}|${r.value?.toString('utf8')}`);

async function expected(chain: RefStep[]): Promise<string[]> {
  const source = await kcatConsumeAll(broker.address, 'logs', { timeoutMs: 60_000 });
  const out: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const records: HostRecord[] = source.filter((r) => r.partition === p).map((r) => ({ offset: r.offset, timestampMs: r.timestamp, key: r.key, value: r.value, headers: [] }));
    for (const x of await referenceOutput(chain, records)) out.push(`${p}|${x.key}|${x.value}`);
  }
  return out;
}

beforeAll(async () => {
  requireTool('kcat');
  requirePythonModules('kafka');
  dir = makeTempDir('e2e-derived');
  broker = await BrokerProcess.start({ data: dir });
  await ok(['topic', 'create', 'logs', '--partitions', String(PARTITIONS)]);
  await produceLogs(0, 400);
  for (const m of ['json-filter', 'count-sum']) await ok(['module', 'create', m, path.join(REPO_ROOT, 'modules', m, 'build', `${m}.wasm`)]);
});
afterAll(async () => {
  await killAllBrokers();
  removeTempDir(dir);
});

describe('derived topics with real clients', () => {
  it('hold exactly the modules\' output over the source, for kafkajs in a group, kcat and kafka-python, and follow new records within a second', async () => {
    expect(await ok(['attach', 'json-filter', '--param', 'field=level', '--param', 'value=error', '--from', 'logs', '--to', 'errors'])).toBe('attached json-filter as pipeline of errors from logs\n');
    await ok(['attach', 'json-filter', '--param', 'field=level', '--param', 'value=error', '--then', 'count-sum', '--param', 'field=amount', '--from', 'logs', '--to', 'totals']);
    await caughtUp();
    for (const [topic, chain] of [['errors', [FILTER]], ['totals', [FILTER, SUM]]] as const) {
      const want = await expected([...chain]);
      expect(want.length).toBeGreaterThan(0);
      expect(triples(await kafkajsConsumeAll(broker.address, topic, 60_000)), `${topic} kafkajs`).toEqual(want);
      expect(triples(await kcatConsumeAll(broker.address, topic, { timeoutMs: 60_000 })), `${topic} kcat`).toEqual(want);
      expect(triples(await kafkaPythonConsumeAll(broker.address, topic, PARTITIONS, 60_000)), `${topic} kafka-python`).toEqual(want);
    }
    const status = JSON.parse(await ok(['pipeline', 'status', 'totals', '--output', 'json'])) as { partitions: { lag: string }[]; stats: { recordsIn: number } };
    expect(status.partitions.map((p) => p.lag)).toEqual(['0', '0', '0']);
    expect(status.stats.recordsIn).toBe(1200);

    // A record produced now is in the derived topic within a second of its acknowledgement.
    const kafka = kafkaClient(broker.address, 'e2e-derived-latency');
    const admin = kafka.admin();
    await admin.connect();
    const before = (await admin.fetchTopicOffsets('errors')).find((o) => o.partition === 1)!.high;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'logs', acks: -1, messages: [{ partition: 1, key: 'late', value: JSON.stringify({ level: 'error', amount: 1 }) }] });
    const acked = Date.now();
    let seenAfterMs = Infinity;
    while (Date.now() - acked < 5_000) {
      const high = (await admin.fetchTopicOffsets('errors')).find((o) => o.partition === 1)!.high;
      if (BigInt(high) > BigInt(before)) {
        seenAfterMs = Date.now() - acked;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await producer.disconnect();
    await admin.disconnect();
    expect(seenAfterMs).toBeLessThan(1000);
  }, 240_000);

  it('refuses each bad request with one line and a non-zero exit, changing nothing', async () => {
    await ok(['topic', 'create', 'plain', '--partitions', '1']);
    const before = [await ok(['pipeline', 'list', '--output', 'json']), await ok(['topic', 'list'])];
    const cases: [string[], RegExp][] = [
      [['attach', 'json-filter', '--from', 'logs', '--to', 'plain'], /^sluice: topic plain exists and is not a pipeline's; --to names a topic the pipeline creates$/],
      [['attach', 'json-filter', '--from', 'logs', '--to', 'errors'], /^sluice: topic errors is already written by a pipeline \(from logs\); detach it first or attach with --replace$/],
      [['attach', 'count-sum', '--then', 'json-filter', '--from', 'logs', '--to', 'x1'], /^sluice: module count-sum is an aggregate and must be the last of a chain/],
      [['attach', 'json-filter', '--from', 'logs', '--to', 'x2', '--on-error', 'dead-letter:nowhere'], /^sluice: dead-letter topic "nowhere" does not exist; create it first$/],
      [['attach', 'json-filter', '--from', 'logs', '--to', 'x3', '--start', '999999'], /^sluice: --start 999999 is past the end of logs-0 \(high watermark \d+\)$/],
      [['attach', 'json-filter', '--from', 'logs', '--to', 'x4', '--start', 'yesterday'], /^sluice: --start: expected earliest, latest, an offset or an ISO 8601 time/],
      [['attach', 'nope', '--from', 'logs', '--to', 'x5'], /^sluice: module "nope" does not exist/],
      [['attach', 'json-filter', '--from', 'logs', '--to', 'x6', '--then', 'nope'], /^sluice: module "nope" does not exist/],
      [['pipeline', 'pause', 'nope'], /^sluice: no pipeline writes "nope"$/],
      [['pipeline', 'status', 'nope'], /^sluice: no pipeline writes "nope"$/],
      [['topic', 'delete', 'errors'], /^sluice: topic delete errors: POLICY_VIOLATION/],
    ];
    await expectRefusals(broker, cases);
    expect([await ok(['pipeline', 'list', '--output', 'json']), await ok(['topic', 'list'])]).toEqual(before);
  }, 120_000);
});
