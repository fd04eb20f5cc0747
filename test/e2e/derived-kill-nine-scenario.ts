/**
 * Derived topics under SIGKILL: a producer writes JSON records to a 3-partition source while a
 * filter pipeline and a filter -> count-sum pipeline run, and the broker is killed at seeded
 * moments and restarted on the same bucket. After each restart, once the pipelines caught up, each
 * derived partition must hold exactly the chain's output over its source partition as stored: no
 * record lost, none repeated; and count-sum's last totals must equal a plain fold of the source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { kafkaClient, Partitioners } from '../helpers/kafkajs.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import type { WireRecord } from '../helpers/wire-record.js';
import type { HostRecord } from '../../runtime/index.js';
import { foldCountSum, referenceOutput, type RefStep } from '../broker/pipelines/reference.js';
import { admin } from '../broker/smartmodules/record-path-helpers.js';

export interface DerivedKillNineOptions {
  /** Starts a broker on the same bucket every time it is called (on `port` when given). */
  startBroker: (port?: number) => Promise<BrokerProcess>;
  cycles: number;
  seed: number;
  runMs: { min: number; max: number };
}

const PARTITIONS = 3;
const FILTER: RefStep = { module: 'json-filter', params: { field: 'level', value: 'error' } };
const SUM: RefStep = { module: 'count-sum', params: { field: 'amount' } };
/** How long a restarted broker's pipelines may take to catch up before the test calls it a failure. */
const CATCH_UP_TIMEOUT_MS = 60_000;

/** One admin API request; a refusal throws with the broker's output. */
async function adminJson(broker: BrokerProcess, method: string, urlPath: string, body?: Uint8Array | object): Promise<unknown> {
  const r = await admin(broker.address, method, urlPath, body);
  if (r.status >= 300) throw new Error(`${method} ${urlPath}: ${r.status} ${JSON.stringify(r.body)}
${broker.output()}`);
  return r.body;
}

/** Waits until every pipeline has read its source to the end. */
async function caughtUp(broker: BrokerProcess): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const all = (await adminJson(broker, 'GET', '/v1/pipelines')) as { name: string; state: string; lag: string }[];
    if (all.length === 2 && all.every((p) => p.state === 'running' && p.lag === '0')) return;
    if (Date.now() > deadline) throw new Error(`pipelines did not catch up: ${JSON.stringify(all)}\n${broker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function byPartition(records: WireRecord[]): HostRecord[][] {
  const out: HostRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of records) {
    out[r.partition]!.push({ offset: r.offset, timestampMs: r.timestamp, key: r.key, value: r.value, headers: r.headers.map(([k, v]) => ({ key: k, value: v })) });
  }
  return out;
}

const text = (b: Uint8Array | Buffer | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

/** Every derived partition equals the chain over its source partition; count-sum's last totals equal the fold. */
async function verify(broker: BrokerProcess, when: string): Promise<number> {
  const source = byPartition(await kcatConsumeAll(broker.address, 'src'));
  const errors = byPartition(await kcatConsumeAll(broker.address, 'src-errors'));
  const totals = byPartition(await kcatConsumeAll(broker.address, 'src-totals'));
  for (let p = 0; p < PARTITIONS; p++) {
    const want = await referenceOutput([FILTER], source[p]!);
    expect(errors[p]!.map((r) => ({ key: text(r.key), value: text(r.value) })), `${when}: src-errors partition ${p}`).toEqual(want);
    const wantTotals = await referenceOutput([FILTER, SUM], source[p]!);
    expect(totals[p]!.map((r) => ({ key: text(r.key), value: text(r.value) })), `${when}: src-totals partition ${p}`).toEqual(wantTotals);
    const fold = foldCountSum(source[p]!.filter((r) => JSON.parse(text(r.value)!).level === 'error'), 'amount');
    const last = new Map<string, { count: number; sum: number }>();
    for (const r of totals[p]!) {
      const v = JSON.parse(text(r.value)!) as { key: string; count: number; sum: number };
      last.set(v.key, { count: v.count, sum: v.sum });
    }
    expect(last, `${when}: count-sum totals of partition ${p} against a fold of the source`).toEqual(fold);
  }
  return source.reduce((n, s) => n + s.length, 0);
}

export async function runDerivedKillNine(options: DerivedKillNineOptions): Promise<{ cycles: number; sourceRecords: number }> {
  const rnd = new SeededRandom(options.seed);
  let broker = await options.startBroker();
  const port = broker.port;
  {
    const admin = kafkaClient(broker.address, 'e2e-derived-kill9-admin').admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'src', numPartitions: PARTITIONS }] })).toBe(true);
    await admin.disconnect();
    for (const m of ['json-filter', 'count-sum']) {
      await adminJson(broker, 'PUT', `/v1/modules/${m}`, readFileSync(path.join(REPO_ROOT, 'modules', m, 'build', `${m}.wasm`)));
    }
    await adminJson(broker, 'POST', '/v1/attachments', { kind: 'derived', module: 'json-filter', params: FILTER.params, topic: 'src', to: 'src-errors' });
    await adminJson(broker, 'POST', '/v1/attachments', { kind: 'derived', module: 'json-filter', params: FILTER.params, then: [{ module: 'count-sum', params: SUM.params }], topic: 'src', to: 'src-totals' });
  }
  let sourceRecords = 0;
  let n = 0;
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    const producer = kafkaClient(broker.address, `e2e-derived-kill9-${cycle}`, { retry: { retries: 0 } }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const until = Date.now() + rnd.int(options.runMs.min, options.runMs.max);
    const sending = (async () => {
      while (Date.now() < until) {
        const messages = Array.from({ length: 50 }, () => {
          n++;
          return { key: `k${n % 7}`, value: JSON.stringify({ level: rnd.bool(1 / 3) ? 'error' : 'info', amount: rnd.int(0, 1000), n }), partition: rnd.int(0, PARTITIONS - 1) };
        });
        await producer.send({ topic: 'src', acks: -1, messages });
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
    // Killed while producing and while the pipelines commit steps.
    await broker.kill9();
    await sending;
    await producer.disconnect().catch(() => undefined);
    broker = await options.startBroker(port);
    await caughtUp(broker);
    sourceRecords = await verify(broker, `after kill ${cycle}`);
  }
  await broker.stop();
  return { cycles: options.cycles, sourceRecords };
}
