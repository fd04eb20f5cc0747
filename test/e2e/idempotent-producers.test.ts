/**
 * Idempotent producers (InitProducerId, per-partition sequences) from kafkajs and librdkafka against a broker
 * whose store fails and loses replies after writing: the clients retry with the same sequence numbers, and
 * every record must land exactly once, at the offset its acknowledgement named.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { createTopicRetrying, kafkaClient } from '../helpers/kafkajs.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { confluentProduce } from '../helpers/python-clients.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { SeededRandom, testSeed } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';

const FAULT_BROKER = path.join(REPO_ROOT, 'test', 'helpers', 'fault-broker.mjs');
const TOPIC = 'idempotent';
const PARTITIONS = 2;
const KAFKAJS_REQUESTS = 300;
const CONFLUENT_RECORDS = 3_000;

describe('idempotent producers through a failing store', () => {
  const dir = makeTempDir('e2e-idempotent');

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it('kafkajs and confluent-kafka idempotent producers write every record exactly once despite lost replies', async () => {
    requireTool('kcat');
    requirePythonModules('confluent_kafka');
    const seed = testSeed();
    console.log(`idempotent producers seed=${seed}`);
    // Lost replies are what idempotence is for: the write happened, the client retries, the broker must dedupe.
    const broker = await BrokerProcess.start({
      // Outages lose the replies of manifest writes only: the entry lands, the broker cannot tell, the
      // produce fails, and the entry later turns out durable. A retry without idempotence would duplicate.
      launcher: [
        FAULT_BROKER,
        '--seed',
        String(seed),
        '--fail-probability',
        '0.03',
        '--lost-reply-probability',
        '0.05',
        '--outage-prefix',
        'manifest/',
        '--outage-kind',
        'lost-reply',
        // Longer than the log's own retries, so the entry goes in doubt and the produce fails.
        '--outage-ms',
        '1500',
      ],
      data: dir,
    });
    try {
      const kafka = kafkaClient(broker.address, 'e2e-idempotent', { retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 1_000 } });
      await createTopicRetrying(kafka, TOPIC, PARTITIONS);

      const rnd = new SeededRandom(seed);
      const acked = new Map<string, string>();
      let outages = 0;
      let producing = true;
      const outageLoop = (async () => {
        while (producing) {
          await new Promise((resolve) => setTimeout(resolve, rnd.int(2_500, 4_000)));
          if (producing && broker.alive) {
            process.kill(broker.pid, 'SIGUSR2');
            outages++;
          }
        }
      })();

      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const confluent = confluentProduce(
        broker.address,
        TOPIC,
        Array.from({ length: CONFLUENT_RECORDS }, (_, i) => ({
          partition: i % PARTITIONS,
          timestamp: BigInt(Date.now()),
          key: null,
          value: Buffer.from(`confluent-${i}`),
          headers: [],
        })),
        'none',
        120_000,
        true,
      );
      for (let r = 0; r < KAFKAJS_REQUESTS; r++) {
        const partition = r % PARTITIONS;
        const values = Array.from({ length: 1 + (r % 5) }, (_, j) => `kafkajs-${r}-${j}`);
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ value, partition })) });
        values.forEach((v, j) => acked.set(v, `${partition}:${BigInt(meta!.baseOffset!) + BigInt(j)}`));
      }
      const confluentOffsets = await confluent;
      confluentOffsets.forEach((o, i) => acked.set(`confluent-${i}`, `${o.partition}:${o.offset}`));
      producing = false;
      await outageLoop;
      await producer.disconnect();

      const records = await kcatConsumeAll(broker.address, TOPIC);
      const seen = new Map<string, string[]>();
      for (const r of records) {
        const v = r.value?.toString() ?? '';
        seen.set(v, [...(seen.get(v) ?? []), `${r.partition}:${r.offset}`]);
      }
      const duplicated = [...seen].filter(([, where]) => where.length > 1);
      const misplaced = [...acked].filter(([value, where]) => seen.get(value)?.[0] !== where);
      console.log(`idempotent producers: ${acked.size} acknowledged, ${records.length} in the log, ${outages} outages`);
      expect(duplicated.slice(0, 5), 'records written more than once').toEqual([]);
      expect(misplaced.slice(0, 5), 'acknowledged records not at their offsets').toEqual([]);
      expect(records.length).toBe(acked.size);
      expect(await broker.stop()).toBe(0);
      console.log(broker.output().split('\n').find((l) => l.startsWith('faults injected')) ?? 'no fault summary');
    } catch (err) {
      throw new Error(`${(err as Error).message}\nseed=${seed}\n${broker.output()}`, { cause: err });
    }
  }, 180_000);
});
