/**
 * Bad input over the wire against a real broker process: each mistake gets its Kafka error code
 * on a connection that stays usable; a malformed or oversized frame closes only its own connection; and
 * none of it touches what was acknowledged before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { decodeKafkajsResponse, kafkajsRequestFrame } from '../helpers/kafkajs-frames.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { apiVersionsV0Frame, RawConnection } from '../helpers/raw-connection.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const TOPIC = 'bad-input';
const ACKED = 50;
/** Kafka error codes (broker/protocol/error-codes.ts has them all; the test states what it expects). */
const OFFSET_OUT_OF_RANGE = 1;
const CORRUPT_MESSAGE = 2;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;

interface ProduceResponse {
  topics: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; baseOffset: string }> }>;
}
interface FetchResponse {
  responses: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; highWatermark: string }> }>;
}

describe('bad input over the wire', () => {
  let dir: string | undefined;
  let broker: BrokerProcess | undefined;
  let correlationId = 100;

  beforeAll(async () => {
    requireTool('kcat');
    dir = makeTempDir('e2e-bad-input');
    // Topics are not created on first use here: an unknown topic stays an error to answer.
    broker = await BrokerProcess.start({ data: dir, extraArgs: ['--no-auto-create-topics'] });
    const kafka = kafkaClient(broker.address, 'e2e-bad-input');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: ACKED }, (_, i) => ({ value: `acked-${i}`, partition: 0 })) });
    await producer.disconnect();
  });

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  async function produce(conn: RawConnection, topic: string, partition: number, value: Buffer, corrupt = false): Promise<number> {
    const id = correlationId++;
    const frame = await kafkajsRequestFrame(
      'produce',
      3,
      { acks: -1, timeout: 5_000, topicData: [{ topic, partitions: [{ partition, messages: [{ key: 'k', value }] }] }] },
      id,
    );
    // The record set is the frame's tail and its last byte lies under the batch CRC.
    if (corrupt) frame[frame.length - 1] = frame[frame.length - 1]! ^ 0xff;
    conn.write(frame);
    const answer = await conn.readFrame(10_000);
    if (!answer) throw new Error(`no produce response (correlation ${id})\n${broker!.output()}`);
    const { correlationId: got, body } = await decodeKafkajsResponse<ProduceResponse>('produce', 3, answer);
    expect(got).toBe(id);
    return body.topics[0]!.partitions[0]!.errorCode;
  }

  async function stillAnswers(conn: RawConnection): Promise<void> {
    const id = correlationId++;
    conn.write(apiVersionsV0Frame(id));
    const answer = await conn.readFrame(5_000);
    expect(answer?.readInt32BE(0), 'ApiVersions answered on the same connection').toBe(id);
  }

  it('answers each bad produce and fetch with its error code and keeps the connection', async () => {
    const conn = await RawConnection.connect(broker!.host, broker!.port);
    try {
      expect(await produce(conn, TOPIC, 0, Buffer.from('flipped'), true), 'corrupt CRC').toBe(CORRUPT_MESSAGE);
      await stillAnswers(conn);
      expect(await produce(conn, 'no-such-topic', 0, Buffer.from('x')), 'unknown topic').toBe(UNKNOWN_TOPIC_OR_PARTITION);
      expect(await produce(conn, TOPIC, 7, Buffer.from('x')), 'partition past the topic').toBe(UNKNOWN_TOPIC_OR_PARTITION);
      expect(await produce(conn, TOPIC, 1, Buffer.alloc(2 * 1024 * 1024, 7)), 'record over max.message.bytes').toBe(MESSAGE_TOO_LARGE);
      await stillAnswers(conn);

      const id = correlationId++;
      conn.write(
        await kafkajsRequestFrame(
          'fetch',
          4,
          { replicaId: -1, maxWaitTime: 10, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: '1000000', maxBytes: 1 << 20 }] }] },
          id,
        ),
      );
      const answer = await conn.readFrame(10_000);
      const fetched = await decodeKafkajsResponse<FetchResponse>('fetch', 4, answer!);
      expect(fetched.correlationId).toBe(id);
      const p = fetched.body.responses[0]!.partitions[0]!;
      expect(p.errorCode, 'fetch past the end').toBe(OFFSET_OUT_OF_RANGE);
      await stillAnswers(conn);
    } finally {
      conn.destroy();
    }
  });

  it('closes only the connection that sent a malformed or oversized frame', async () => {
    const bystander = await RawConnection.connect(broker!.host, broker!.port);
    try {
      await stillAnswers(bystander);
      // A frame whose header claims a string longer than the frame.
      const malformed = await RawConnection.connect(broker!.host, broker!.port);
      const frame = apiVersionsV0Frame(correlationId++, 'client');
      frame.writeInt16BE(0x7fff, 12);
      malformed.write(frame);
      expect(await malformed.waitClosed(5_000), 'malformed frame closes its connection').toBe(true);
      // A length prefix past the request-size bound: closed without waiting for (or allocating) the bytes.
      const oversized = await RawConnection.connect(broker!.host, broker!.port);
      const prefix = Buffer.alloc(8);
      prefix.writeInt32BE(0x7fff_fff0, 0);
      oversized.write(prefix);
      expect(await oversized.waitClosed(5_000), 'oversized frame closes its connection').toBe(true);
      await stillAnswers(bystander);
    } finally {
      bystander.destroy();
    }
  });

  it('left what was acknowledged before exactly as it was, and added nothing', async () => {
    const records = await kcatConsumeAll(broker!.address, TOPIC);
    expect(records.map((r) => `${r.partition}:${r.offset}:${r.value?.toString()}`)).toEqual(
      Array.from({ length: ACKED }, (_, i) => `0:${i}:acked-${i}`),
    );
    expect(await broker!.stop()).toBe(0);
  });
});
