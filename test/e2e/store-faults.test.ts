/**
 * Store faults over the wire: a real broker whose store fails, loses replies after writing, and
 * answers late, under six kafkajs producers sending thousands of produce requests. Producers must only
 * ever see retriable errors; every acknowledged record must be where its ack said, in the broker that wrote
 * it and in a fresh broker recovering the same bucket without faults. No offset acknowledged twice.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { createTopicRetrying, kafkaClient } from '../helpers/kafkajs.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { SeededRandom, testSeed } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { describeRecord } from '../helpers/wire-record.js';

const FAULT_BROKER = path.join(REPO_ROOT, 'test', 'helpers', 'fault-broker.mjs');
/** Six concurrent producers: the broker batches their requests into shared flushes, so the wall time stays short. */
const PRODUCERS = 6;
const REQUESTS_PER_PRODUCER = 360;
const PARTITIONS = 4;
const TOPIC = 'store-faults';
/** Our own retries on top of kafkajs's none: a record is given up only after this many retriable errors. */
const ATTEMPTS_MAX = 30;

interface KafkajsLikeError {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  originalError?: KafkajsLikeError;
  cause?: KafkajsLikeError;
}

/** A test failure, never to be mistaken for a client error inside the retry loop. */
class LedgerViolation extends Error {}

/** kafkajs wraps a broker error code in KafkaJSProtocolError (type, retriable), sometimes inside a retry wrapper. */
function rootError(err: KafkajsLikeError): KafkajsLikeError {
  let e = err;
  for (let i = 0; i < 5 && (e.originalError ?? e.cause); i++) e = (e.originalError ?? e.cause)!;
  return e;
}

describe('store faults under produce load, over the wire', () => {
  const dir = makeTempDir('e2e-faults');

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it(`${PRODUCERS * REQUESTS_PER_PRODUCER} produce requests through a failing store: only retriable errors, no acknowledged record lost, no false ack`, async () => {
    requireTool('kcat');
    const seed = testSeed();
    console.log(`store faults seed=${seed} (SLUICE_TEST_SEED=${seed}; the store's fault plan and the records derive from it)`);
    const broker = await BrokerProcess.start({
      launcher: [FAULT_BROKER, '--seed', String(seed), '--fail-probability', '0.05', '--lost-reply-probability', '0.05', '--delay-max-ms', '20'],
      data: dir,
    });
    const fail = (message: string): never => {
      throw new LedgerViolation(`${message}\nseed=${seed}\n${broker.output()}`);
    };

    const kafka = kafkaClient(broker.address, 'e2e-faults');
    await createTopicRetrying(kafka, TOPIC, PARTITIONS);

    const ledger = new Map<string, string>();
    const errorTypes = new Map<string, number>();
    let nonRetriable: string[] = [];
    let requests = 0;
    let givenUp = 0;
    const producers: Producer[] = [];
    for (let i = 0; i < PRODUCERS; i++) {
      // No kafkajs retries: every broker error reaches the test, which classifies it and retries itself.
      const producer = kafka.producer({ retry: { retries: 0 } });
      await producer.connect();
      producers.push(producer);
    }
    // Outages longer than the log's own store retries, at seeded moments, so producers see the errors.
    const outageRnd = new SeededRandom(seed ^ 0x5bd1e995);
    let producing = true;
    const outages = (async () => {
      while (producing) {
        await new Promise((resolve) => setTimeout(resolve, outageRnd.int(500, 1_500)));
        if (producing && broker.alive) process.kill(broker.pid, 'SIGUSR2');
      }
    })();
    await Promise.all(
      producers.map(async (producer, id) => {
        const rnd = new SeededRandom((seed ^ (id * 0x9e3779b1)) >>> 0);
        for (let r = 0; r < REQUESTS_PER_PRODUCER; r++) {
          const partition = rnd.int(0, PARTITIONS - 1);
          const values = Array.from({ length: rnd.int(1, 10) }, (_, j) => `p${id}-r${r}-${j}:${rnd.bytes(rnd.int(0, 60)).toString('hex')}`);
          for (let attempt = 1; ; attempt++) {
            requests++;
            try {
              const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ value, partition })) });
              const base = BigInt(meta!.baseOffset!);
              values.forEach((value, j) => {
                const where = `${partition}:${base + BigInt(j)}`;
                const before = ledger.get(where);
                if (before !== undefined) fail(`offset ${where} acknowledged for ${value} and before for ${before}`);
                ledger.set(where, value);
              });
              break;
            } catch (err) {
              if (err instanceof LedgerViolation) throw err;
              const root = rootError(err as KafkajsLikeError);
              const type = root.type ?? root.name ?? 'unknown';
              errorTypes.set(type, (errorTypes.get(type) ?? 0) + 1);
              if (root.retriable !== true) nonRetriable = [...nonRetriable, `${type}: ${root.message}`].slice(-5);
              if (attempt >= ATTEMPTS_MAX) {
                givenUp++;
                break;
              }
              // Back off like kafkajs's own retrier would, rather than hammering a struggling broker.
              await new Promise((resolve) => setTimeout(resolve, Math.min(20 * attempt, 300)));
            }
          }
        }
      }),
    );
    producing = false;
    await outages;
    await Promise.all(producers.map((p) => p.disconnect()));
    console.log(
      `store faults: ${requests} produce requests, ${ledger.size} records acknowledged, errors by type ${JSON.stringify(Object.fromEntries(errorTypes))}, ${givenUp} given up`,
    );
    expect(nonRetriable, 'errors a producer could not retry').toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(PRODUCERS * REQUESTS_PER_PRODUCER);
    expect([...errorTypes.values()].reduce((a, b) => a + b, 0), 'the injected faults reached the producers').toBeGreaterThan(0);
    if (givenUp > 0) fail(`${givenUp} produce requests given up after ${ATTEMPTS_MAX} retriable errors each: the broker did not recover`);

    const checkLedger = async (b: BrokerProcess, when: string): Promise<void> => {
      const records = await kcatConsumeAll(b.address, TOPIC);
      const at = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r]));
      const wrong = [...ledger].filter(([where, value]) => at.get(where)?.value?.toString() !== value);
      if (wrong.length > 0) {
        const [where, value] = wrong[0]!;
        fail(`${when}: ${wrong.length} acknowledged records not at their offsets; first: ${value} at ${where}, found ${describeRecord(at.get(where))}`);
      }
    };
    // Faults stay on while reading back from the faulty broker: reads retry, data must be the same.
    await checkLedger(broker, 'same broker');
    expect(await broker.stop(), 'clean SIGTERM (faults off for the final flush)').toBe(0);
    console.log(broker.output().split('\n').find((l) => l.startsWith('faults injected')) ?? 'no fault summary');

    const fresh = await BrokerProcess.start({ data: dir });
    await checkLedger(fresh, 'fresh broker recovering the bucket');
    expect(await fresh.stop()).toBe(0);
  }, 240_000);
});
