import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { kafkaClient, Partitioners } from '../../helpers/kafkajs.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';

const TOPIC = 'grouped';
const GROUP = 'g-two';
const PARTITIONS = 6;

let t: TestBroker;

beforeAll(async () => {
  t = await startTestBroker();
});

afterAll(async () => {
  await t?.stop();
});

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('consumer groups with kafkajs', () => {
  it('splits 6 partitions over 2 consumers, gives all to the one left, and keeps commits across a restart', async () => {
    const kafka = kafkaClient(t.address, 'groups-test');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: 60 }, (_, i) => ({ partition: i % PARTITIONS, key: `k${i}`, value: `v${i}` })),
    });

    const assignments = new Map<string, number[]>();
    const seen = new Set<string>();
    const makeConsumer = async (name: string): Promise<Consumer> => {
      const c = kafka.consumer({ groupId: GROUP, sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 200, maxWaitTimeInMs: 300 });
      c.on(c.events.GROUP_JOIN, (e) => {
        assignments.set(name, [...(e.payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b));
      });
      await c.connect();
      await c.subscribe({ topic: TOPIC, fromBeginning: true });
      await c.run({
        autoCommitInterval: 100,
        eachMessage: async ({ message }) => {
          seen.add(String(message.value));
        },
      });
      return c;
    };

    const c1 = await makeConsumer('c1');
    const c2 = await makeConsumer('c2');
    const all = Array.from({ length: PARTITIONS }, (_, i) => i);
    await until(() => {
      const a = assignments.get('c1') ?? [];
      const b = assignments.get('c2') ?? [];
      return a.length > 0 && b.length > 0 && [...a, ...b].sort((x, y) => x - y).join() === all.join();
    }, 30_000, 'both consumers to share the partitions');

    await c2.disconnect();
    await until(() => (assignments.get('c1') ?? []).join() === all.join(), 30_000, 'c1 to own every partition');
    await until(() => seen.size === 60, 30_000, 'all 60 records consumed');

    // Commits are flushed on disconnect; the group's offsets are the ends of the partitions.
    await c1.disconnect();
    const before = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const committed = (x: typeof before) =>
      x[0]!.partitions.map((p) => [p.partition, p.offset] as const).sort((a, b) => a[0] - b[0]);
    expect(committed(before)).toEqual(all.map((p) => [p, '10']));
    await producer.disconnect();
    await admin.disconnect();

    await t.restart();
    const admin2 = kafkaClient(t.address, 'groups-test-2').admin();
    await admin2.connect();
    const after = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(committed(after)).toEqual(committed(before));
    await admin2.disconnect();
  });
});

describe('shutdown', () => {
  it('answers a join waiting on a rebalance at once instead of holding shutdown for the rebalance timeout', async () => {
    const b = await startTestBroker();
    const join = (c: Awaited<ReturnType<typeof b.client>>, memberId: string) =>
      c.request(ApiKey.JoinGroup, 3, {
        groupId: 'slow',
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 600_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: new Uint8Array(0) }],
      });
    const a = await b.client();
    const first = await join(a, '');
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const sync = await a.request(ApiKey.SyncGroup, 2, { groupId: 'slow', generationId: first.generationId, memberId: first.memberId, groupInstanceId: null, assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.NONE);
    // A second member: its join waits until the first rejoins, up to 10 minutes, far past this
    // test's timeout: close() returning at all proves it did not hold shutdown for the rebalance.
    const waiting = join(await b.client(), '');
    await new Promise((r) => setTimeout(r, 200));
    let answered = false;
    void waiting.then(() => { answered = true; });
    expect(answered).toBe(false);
    await b.broker.close();
    expect((await waiting).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    await b.stop();
  });
});
