/**
 * A new user's first produce: kafkajs (default producer settings), confluent-kafka, kafka-python
 * and kcat each produce to a topic that does not exist yet, and read back what they wrote. With
 * auto-creation off each is told UNKNOWN_TOPIC_OR_PARTITION; 20 clients racing to use one new name
 * make one topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkaClient, kafkajsConsumeAll } from '../helpers/kafkajs.js';
import { kcatConsumeAll, kcatProduce } from '../helpers/kcat.js';
import { topicCreations } from '../helpers/manifest-ops.js';
import { confluentConsumeAll, firstUseProduce, kafkaPythonConsumeAll } from '../helpers/python-clients.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requirePythonModules, requireTool, runProcess } from '../helpers/tools.js';

const COUNT = 25;
const valuesOf = (topic: string, n = COUNT): string[] => Array.from({ length: n }, (_, i) => `${topic}-${i}`);
const text = (records: { value: Buffer | null }[]): string[] => records.map((r) => r.value?.toString('utf8') ?? '<null>');

describe('topics created on first use (the default)', () => {
  let dir: string;
  let broker: BrokerProcess;

  beforeAll(async () => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka');
    dir = makeTempDir('e2e-auto-create');
    broker = await BrokerProcess.start({ data: dir });
  });
  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it('kafkajs with default producer settings produces to a new topic and consumes it back', async () => {
    const kafka = kafkaClient(broker.address, 'first-use-kafkajs');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'new-kafkajs', messages: valuesOf('new-kafkajs').map((value) => ({ value })) });
    await producer.disconnect();
    expect(text(await kafkajsConsumeAll(broker.address, 'new-kafkajs'))).toEqual(valuesOf('new-kafkajs'));
  });

  it('confluent-kafka and kafka-python produce to new topics and consume them back', async () => {
    for (const [client, topic] of [['confluent', 'new-confluent'], ['kafka-python', 'new-kafka-python']] as const) {
      const produced = await firstUseProduce(client, broker.address, topic, COUNT);
      expect(produced, client).toEqual({ ok: true, offsets: valuesOf(topic).map((_, i) => [0, i]) });
    }
    expect(text(await confluentConsumeAll(broker.address, 'new-confluent', 1))).toEqual(valuesOf('new-confluent'));
    expect(text(await kafkaPythonConsumeAll(broker.address, 'new-kafka-python', 1))).toEqual(valuesOf('new-kafka-python'));
  });

  it('kcat produces to a new topic and consumes it back', async () => {
    await kcatProduce(broker.address, 'new-kcat', valuesOf('new-kcat').map((value, i) => ({ key: `k${i}`, value })), { partition: 0, codec: 'none' });
    expect(text(await kcatConsumeAll(broker.address, 'new-kcat'))).toEqual(valuesOf('new-kcat'));
  });

  it('20 clients racing to use one new name make one topic, holding every record', async () => {
    const producers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const p = kafkaClient(broker.address, `racer-${i}`).producer();
        await p.connect();
        return p;
      }),
    );
    await Promise.all(producers.map((p, i) => p.send({ topic: 'raced', acks: -1, messages: [{ value: `racer-${i}` }] })));
    await Promise.all(producers.map((p) => p.disconnect()));
    expect(await topicCreations(dir, 'raced')).toBe(1);
    const got = text(await kafkajsConsumeAll(broker.address, 'raced')).sort();
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `racer-${i}`).sort());
  }, 120_000);
});

describe('with auto-creation off', () => {
  let dir: string;
  let broker: BrokerProcess;

  beforeAll(async () => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka');
    dir = makeTempDir('e2e-no-auto-create');
    broker = await BrokerProcess.start({ data: dir, extraArgs: ['--no-auto-create-topics'] });
  });
  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it('each client is told UNKNOWN_TOPIC_OR_PARTITION and no topic appears', async () => {
    const kafka = kafkaClient(broker.address, 'no-auto-kafkajs', { retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 } });
    const producer = kafka.producer();
    await producer.connect();
    const refused = await producer.send({ topic: 'absent-kafkajs', messages: [{ value: 'x' }] }).catch((err: unknown) => err);
    await producer.disconnect();
    expect(refused).toMatchObject({ cause: { type: 'UNKNOWN_TOPIC_OR_PARTITION' } });

    // librdkafka reports the broker's answer as "Unknown topic" once its wait for the topic ends.
    const confluent = await firstUseProduce('confluent', broker.address, 'absent-confluent', 1);
    expect(confluent).toMatchObject({ ok: false, error: expect.stringMatching(/UNKNOWN_TOPIC/) });
    const kafkaPython = await firstUseProduce('kafka-python', broker.address, 'absent-kafka-python', 1);
    expect(kafkaPython).toMatchObject({ ok: false, error: expect.stringMatching(/^UNKNOWN_TOPIC_OR_PARTITION/) });
    const kcat = await runProcess(requireTool('kcat'), ['-P', '-b', broker.address, '-t', 'absent-kcat', '-X', 'topic.metadata.propagation.max.ms=2000', '-X', 'message.timeout.ms=20000'], {
      input: 'x\n',
      timeoutMs: 60_000,
    });
    expect(kcat.code).not.toBe(0);
    expect(kcat.stderr).toMatch(/Unknown topic/i);

    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual([]);
    await admin.disconnect();
  }, 120_000);
});
