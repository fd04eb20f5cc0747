/**
 * On the local directory and on S3: three producers write with acks=-1 while the broker is SIGKILLed at
 * seeded random moments and restarted on the same bucket. A ledger holds every acknowledged record; after
 * each restart each one must sit exactly at its acknowledged offset, and no offset may be handed out twice.
 */
import { expect } from 'vitest';
import type { Producer } from 'kafkajs';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { describeRecord, type WireRecord } from '../helpers/wire-record.js';

export interface KillNineOptions {
  /** Starts a broker on the same bucket every time it is called. */
  startBroker: () => Promise<BrokerProcess>;
  cycles: number;
  seed: number;
  topic: string;
  partitions: number;
  /** How long producers run before each SIGKILL. */
  runMs: { min: number; max: number };
}

export interface KillNineReport {
  cycles: number;
  acknowledged: number;
  failedSends: number;
  elapsedMs: number;
}

interface LedgerEntry {
  key: string;
  value: string;
  cycle: number;
}

const PRODUCERS = 3;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref())]);
}

/** Every acknowledged record is at its offset; offsets per partition are 0..n-1 once each. */
async function verifyLedger(broker: BrokerProcess, topic: string, partitions: number, ledger: Map<string, LedgerEntry>, when: string): Promise<void> {
  const records = await kcatConsumeAll(broker.address, topic);
  const at = new Map<string, WireRecord>();
  const count = new Array<bigint>(partitions).fill(0n);
  for (const r of records) {
    // kcat prints each partition in offset order: a repeated or skipped offset shows up here.
    expect(r.offset, `${when}: partition ${r.partition} offsets must run 0,1,2,… without reuse or gaps (${describeRecord(r)})`).toBe(
      count[r.partition],
    );
    count[r.partition]! += 1n;
    at.set(`${r.partition}:${r.offset}`, r);
  }
  let missing = 0;
  const problems: string[] = [];
  for (const [where, entry] of ledger) {
    const got = at.get(where);
    if (!got || got.key?.toString() !== entry.key || got.value?.toString() !== entry.value) {
      missing++;
      if (problems.length < 5) problems.push(`acked ${entry.key} at ${where} (cycle ${entry.cycle}); found ${describeRecord(got)}`);
    }
  }
  expect(missing, `${when}: acknowledged records not where they were acknowledged:\n${problems.join('\n')}`).toBe(0);
}

export async function runKillNineCycles(options: KillNineOptions): Promise<KillNineReport> {
  const { topic, partitions, seed } = options;
  const rnd = new SeededRandom(seed);
  const ledger = new Map<string, LedgerEntry>();
  let failedSends = 0;
  const started = Date.now();

  let broker = await options.startBroker();
  {
    const admin = kafkaClient(broker.address, 'e2e-kill9-admin').admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] })).toBe(true);
    await admin.disconnect();
  }

  for (let cycle = 0; cycle < options.cycles; cycle++) {
    if (cycle > 0) {
      broker = await options.startBroker();
      await verifyLedger(broker, topic, partitions, ledger, `after restart ${cycle}`);
    }
    const kafka = kafkaClient(broker.address, `e2e-kill9-${cycle}`, {
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    const producers: Producer[] = [];
    for (let i = 0; i < PRODUCERS; i++) {
      const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } });
      await producer.connect();
      producers.push(producer);
    }
    let running = true;
    // Each producer draws from its own PRNG so the schedule does not depend on ack timing.
    const loops = producers.map(async (producer, id) => {
      const own = new SeededRandom((seed ^ ((cycle + 1) * 7919 + id * 104_729)) >>> 0);
      let seq = 0;
      while (running) {
        const partition = own.int(0, partitions - 1);
        const size = own.int(1, 20);
        const batch = Array.from({ length: size }, () => {
          const key = `p${id}-c${cycle}-s${seq++}`;
          return { key, value: `${key}:${own.bytes(own.int(5, 150)).toString('base64')}` };
        });
        try {
          const meta = await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ ...m, partition })) });
          const base = BigInt(meta[0]?.baseOffset ?? '-1');
          expect(meta.length === 1 && meta[0]!.partition === partition && meta[0]!.errorCode === 0 && base >= 0n).toBe(true);
          batch.forEach((m, i) => {
            const where = `${partition}:${base + BigInt(i)}`;
            const before = ledger.get(where);
            // An offset acknowledged twice for two different records is the failure this test exists for.
            expect(before, `offset ${where} acknowledged for ${m.key} but already for ${before?.key}`).toBeUndefined();
            ledger.set(where, { key: m.key, value: m.value, cycle });
          });
        } catch (err) {
          if ((err as Error).name === 'AssertionError') throw err;
          failedSends++;
          if (!broker.alive) break;
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, rnd.int(options.runMs.min, options.runMs.max)));
    await broker.kill9();
    running = false;
    const outcome = await withTimeout(Promise.all(loops), 15_000);
    expect(outcome, `cycle ${cycle}: producers did not stop within 15 s of the kill`).not.toBe('timeout');
    await Promise.all(producers.map((p) => withTimeout(p.disconnect(), 2_000)));
  }

  broker = await options.startBroker();
  try {
    await verifyLedger(broker, topic, partitions, ledger, 'after the last restart');
    // A write after the last restart lands after everything acknowledged before.
    const producer = kafkaClient(broker.address, 'e2e-kill9-final').producer();
    await producer.connect();
    const meta = await producer.send({ topic, acks: -1, messages: [{ key: 'final', value: 'final', partition: 0 }] });
    await producer.disconnect();
    const used = [...ledger.keys()].filter((k) => k.startsWith('0:')).map((k) => BigInt(k.slice(2)));
    const highest = used.reduce((a, b) => (b > a ? b : a), -1n);
    expect(BigInt(meta[0]!.baseOffset!)).toBeGreaterThan(highest);
    expect(await broker.stop(), 'clean SIGTERM after the last restart').toBe(0);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nseed=${seed}\n${broker.output()}`, { cause: err });
  }
  expect(ledger.size).toBeGreaterThan(0);
  return { cycles: options.cycles, acknowledged: ledger.size, failedSends, elapsedMs: Date.now() - started };
}
