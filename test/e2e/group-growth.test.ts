/**
 * A consumer group follows a topic that grows: a kafkajs group subscribed to a topic sees the
 * partitions CreatePartitions adds within its metadata refresh (metadataMaxAge), rebalances, and
 * consumes what is produced to them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** How often the consumer refreshes its metadata: kafkajs's default is 5 minutes. */
const METADATA_MAX_AGE_MS = 1_000;

describe('a consumer group and a growing topic', () => {
  let dir: string;
  let broker: BrokerProcess;

  beforeAll(async () => {
    dir = makeTempDir('e2e-growth');
    broker = await BrokerProcess.start({ data: dir });
  });
  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it('sees the new partitions within its metadata refresh, is assigned them and consumes them', async () => {
    const kafka = kafkaClient(broker.address, 'growth');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }] });
    // A producer per send: a kafkajs producer with metadata older than the growth drops records
    // for partitions it does not know yet (its own metadataMaxAge), which is not what is tested here.
    const send = async (partitions: number[], tag: string) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'growing', messages: partitions.map((partition) => ({ partition, value: `${tag}-p${partition}` })) });
      await producer.disconnect();
    };

    const consumer = kafka.consumer({ groupId: 'growth-group', metadataMaxAge: METADATA_MAX_AGE_MS, sessionTimeout: 6_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    const assignments: number[][] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.push([...(e.payload.memberAssignment['growing'] ?? [])].sort()));
    const seen = new Set<string>();
    const waiters: { want: string[]; resolve: () => void }[] = [];
    const until = (want: string[], timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${[...seen].join(', ')}; waited for ${want.join(', ')}; assignments ${JSON.stringify(assignments)}`)), timeoutMs);
        waiters.push({ want, resolve: () => (clearTimeout(timer), resolve()) });
        check();
      });
    const check = () => {
      for (const w of waiters.splice(0)) (w.want.every((v) => seen.has(v)) ? w.resolve : () => waiters.push(w))();
    };
    await consumer.connect();
    await consumer.subscribe({ topic: 'growing', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(String(message.value));
        check();
      },
    });
    try {
      await send([0, 1], 'before');
      await until(['before-p0', 'before-p1'], 20_000);
      expect(assignments.at(-1)).toEqual([0, 1]);

      await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });
      const grownAt = Date.now();
      await send([0, 1, 2, 3], 'after');
      // Within a few metadata refreshes and one rebalance, not kafkajs's default five minutes.
      await until(['after-p0', 'after-p1', 'after-p2', 'after-p3'], 30_000);
      expect(assignments.at(-1)).toEqual([0, 1, 2, 3]);
      console.log(`group consumed the new partitions ${Date.now() - grownAt} ms after they were created`);
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
    }
  }, 90_000);
});
