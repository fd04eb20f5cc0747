/**
 * ListOffsets by timestamp answers the exact record inside a compressed batch, for every codec, with
 * batches written by real clients: confluent-kafka (librdkafka, timestamps set per record) and kcat -z.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { Compression, compressionOf, parseRecordSet } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { kcatConsumeAll, type KcatCodec } from '../../helpers/kcat.js';
import { confluentProduce } from '../../helpers/python-clients.js';
import { requirePythonModules, requireTool } from '../../helpers/tools.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly KcatCodec[];
const CODEC_IDS: Record<KcatCodec, number> = Compression;
const RECORDS_PER_PARTITION = 20;

let t: TestBroker;
let c: KafkaClient;

beforeAll(async () => {
  requireTool('kcat');
  requirePythonModules('confluent_kafka');
  t = await startTestBroker();
  c = await t.client();
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: ['confluent', 'kcat'].map((name) => ({ name, numPartitions: CODECS.length, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics.map((x) => x.errorCode)).toEqual([0, 0]);
});
afterAll(async () => {
  await t?.stop();
});

async function offsetFor(topic: string, partition: number, timestamp: bigint): Promise<{ offset: bigint; timestamp: bigint }> {
  const res = await c.request(ApiKey.ListOffsets, 2, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
  });
  const p = res.topics[0]!.partitions[0]!;
  expect(p.errorCode).toBe(ErrorCode.NONE);
  return { offset: p.offset, timestamp: p.timestamp };
}

/** The batches of a partition as stored, from offset 0: the test must look inside compressed batches. */
async function storedBatches(topic: string, partition: number): Promise<ReturnType<typeof parseRecordSet>> {
  const res = await c.request(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return parseRecordSet(res.responses[0]!.partitions[0]!.records ?? new Uint8Array(0));
}

/** For every record (offset, timestamp), increasing: ListOffsets at its timestamp, and 1 ms before it, finds it. */
async function expectRecordExact(topic: string, partition: number, records: ReadonlyArray<{ offset: bigint; timestamp: bigint }>): Promise<void> {
  for (const [i, r] of records.entries()) {
    // The first record at or after the timestamp: with equal timestamps, the first of them.
    const first = records.find((x) => x.timestamp >= r.timestamp)!;
    expect(await offsetFor(topic, partition, r.timestamp), `${topic}/${partition} record ${i}`).toEqual({ offset: first.offset, timestamp: first.timestamp });
    if (i > 0 && records[i - 1]!.timestamp < r.timestamp - 1n) {
      expect((await offsetFor(topic, partition, r.timestamp - 1n)).offset).toBe(r.offset);
    }
  }
  const last = records[records.length - 1]!;
  expect((await offsetFor(topic, partition, last.timestamp + 1n)).offset).toBe(-1n);
}

const value = (i: number): Buffer => Buffer.from(`record ${i} ${'compressible '.repeat(20)}`);

describe('ListOffsets by timestamp inside compressed batches written by real clients', () => {
  it('confluent-kafka (compression.type = each codec): every record is found exactly', async () => {
    const base = 1_700_000_000_000n;
    for (const [partition, codec] of CODECS.entries()) {
      const records = Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => ({
        partition,
        timestamp: base + BigInt(partition * 1_000 + i * 10),
        key: Buffer.from(`k${i}`),
        value: value(i),
        headers: [] as Array<[string, Buffer]>,
      }));
      const acked = await confluentProduce(t.address, 'confluent', records, codec);
      const batches = await storedBatches('confluent', partition);
      // librdkafka batched them (linger.ms 10): at least one compressed batch holds several records.
      expect(batches.every((b) => compressionOf(b.header.attributes) === CODEC_IDS[codec]), codec).toBe(true);
      expect(Math.max(...batches.map((b) => b.header.recordCount)), codec).toBeGreaterThan(1);
      await expectRecordExact('confluent', partition, records.map((r, i) => ({ offset: acked[i]!.offset, timestamp: r.timestamp })));
    }
  });

  it('kcat -z each codec: every record is found exactly', async () => {
    const kcat = requireTool('kcat');
    for (const [partition, codec] of CODECS.entries()) {
      // kcat stamps each message when it reads its line: lines written apart get distinct timestamps,
      // and the linger (kcat waits it out at the end of input) keeps them in few batches.
      const args = ['-P', '-b', t.address, '-t', 'kcat', '-p', String(partition), '-K', '\t', '-q', '-X', 'acks=all', '-X', 'linger.ms=1000'];
      if (codec !== 'none') args.push('-z', codec);
      const child = spawn(kcat, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      for (let i = 0; i < RECORDS_PER_PARTITION; i++) {
        child.stdin.write(`k${i}\t${value(i).toString()}\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.stdin.end();
      expect(await exited, stderr).toBe(0);

      const batches = await storedBatches('kcat', partition);
      expect(batches.every((b) => compressionOf(b.header.attributes) === CODEC_IDS[codec]), codec).toBe(true);
      expect(Math.max(...batches.map((b) => b.header.recordCount)), codec).toBeGreaterThan(1);
      const consumed = await kcatConsumeAll(t.address, 'kcat', { partition });
      expect(consumed.map((r) => r.offset)).toEqual(Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => BigInt(i)));
      // Lines written 5 ms apart: the batch spans several timestamps, so some lookups land inside it.
      expect(new Set(consumed.map((r) => r.timestamp)).size, codec).toBeGreaterThan(1);
      await expectRecordExact('kcat', partition, consumed);
    }
  });
});
