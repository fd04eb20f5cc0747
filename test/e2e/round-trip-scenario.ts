/**
 * On the local directory and on S3: records written by kafkajs (plain and gzip), kcat (gzip, snappy, lz4,
 * zstd) and confluent-kafka-python come back byte for byte, in order per partition, through kcat, a kafkajs
 * consumer group and kafka-python's assign(). Shared by the local-directory and the s3rver test files.
 */
import { expect } from 'vitest';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { kafkaClient, kafkajsConsumeAll } from '../helpers/kafkajs.js';
import { kcatConsumeAll, kcatProduce, type KcatCodec } from '../helpers/kcat.js';
import { confluentProduce, kafkaPythonConsumeAll } from '../helpers/python-clients.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { describeRecord, type WireRecord } from '../helpers/wire-record.js';

export const PARTITIONS = 6;

export interface RoundTripCounts {
  kafkajsPlain: number;
  kafkajsGzip: number;
  /** Records per (kcat codec, partition); four codecs over six partitions. */
  kcatPerCodecPartition: number;
  confluent: number;
}

export const KCAT_CODECS: readonly KcatCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];

export function totalRecords(c: RoundTripCounts): number {
  return c.kafkajsPlain + c.kafkajsGzip + c.kcatPerCodecPartition * KCAT_CODECS.length * PARTITIONS + c.confluent;
}

/** What a consumer must see; kcat stamps its own timestamps, so for those only a window is known. */
interface Expected {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
  timestamp: bigint | { min: bigint; max: bigint };
  source: string;
}

const PRINTABLE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .:;!?-_/+*()[]{}<>@#$%^&~|"\'';

function printable(rnd: SeededRandom, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += PRINTABLE[rnd.int(0, PRINTABLE.length - 1)];
  return s;
}

/** Header values stay printable without `,` `=` or newlines so kcat's `%h` output is lossless. */
function randomHeaders(rnd: SeededRandom): Array<[string, Buffer]> {
  const names = ['trace-id', 'content-type', 'x-seq', 'origin'];
  const count = rnd.int(0, 3);
  const out: Array<[string, Buffer]> = [];
  for (let i = 0; i < count; i++) out.push([names[i] as string, Buffer.from(printable(rnd, rnd.int(0, 24)).replace(/[,=]/g, '.'))]);
  return out;
}

function randomKey(rnd: SeededRandom, i: number): Buffer | null {
  const r = rnd.next();
  if (r < 0.05) return null;
  if (r < 0.1) return Buffer.alloc(0);
  if (r < 0.5) return rnd.bytes(rnd.int(1, 64));
  return Buffer.from(`key-${i}`);
}

function randomValue(rnd: SeededRandom): Buffer | null {
  const r = rnd.next();
  if (r < 0.03) return null;
  if (r < 0.08) return Buffer.alloc(0);
  if (r < 0.6) return rnd.bytes(rnd.int(1, 100));
  if (r < 0.99) return rnd.bytes(rnd.int(100, 1000));
  return rnd.bytes(rnd.int(1000, 20_000));
}

interface Produced {
  partition: number;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
}

function randomRecord(rnd: SeededRandom, i: number, baseTs: bigint): Produced {
  // Timestamps far apart inside a batch exercise the varint deltas; some years in the past. All stay 13-digit
  // (after 2001-09-09): kafkajs 2.2 sorts timestamps as strings for a batch's base/max timestamp, so mixing
  // digit counts gives a batch an old maxTimestamp and time retention rightly drops it.
  const timestamp = rnd.bool(0.02) ? BigInt(rnd.int(1_000_000_000, 1_700_000_000)) * 1000n : baseTs + BigInt(rnd.int(-60_000, 60_000));
  return {
    partition: rnd.int(0, PARTITIONS - 1),
    timestamp,
    key: randomKey(rnd, i),
    value: randomValue(rnd),
    headers: randomHeaders(rnd),
  };
}

const KAFKAJS_SEND_RECORDS = 2_000;

async function produceWithKafkajs(
  kafka: Kafka,
  topic: string,
  records: readonly Produced[],
  compression: CompressionTypes,
  nextOffset: bigint[],
): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < records.length; start += KAFKAJS_SEND_RECORDS) {
      const chunk = records.slice(start, start + KAFKAJS_SEND_RECORDS);
      const counts = new Array<number>(PARTITIONS).fill(0);
      for (const r of chunk) counts[r.partition]! += 1;
      const meta = await producer.send({
        topic,
        acks: -1,
        compression,
        messages: chunk.map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.value,
          timestamp: r.timestamp.toString(),
          headers: Object.fromEntries(r.headers),
        })),
      });
      // Each acknowledged batch starts exactly where the partition ended: no gap, no reuse.
      for (const m of meta) {
        expect(m.errorCode, `produce error on p${m.partition}`).toBe(0);
        expect(BigInt(m.baseOffset ?? '-1'), `kafkajs baseOffset on p${m.partition}`).toBe(nextOffset[m.partition]);
        nextOffset[m.partition]! += BigInt(counts[m.partition]!);
      }
      expect(meta.length).toBe(counts.filter((c) => c > 0).length);
    }
  } finally {
    await producer.disconnect();
  }
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function headerText(h: Array<[string, Buffer]>): string {
  return h.map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
}

/** Compares what one consumer saw with what was produced; fills kcat's timestamps on first sight. */
function verify(client: string, records: readonly WireRecord[], expected: Expected[][]): void {
  const seen: WireRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of records) {
    expect(r.partition >= 0 && r.partition < PARTITIONS, `${client}: partition ${r.partition}`).toBe(true);
    seen[r.partition]!.push(r);
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const got = seen[p]!;
    const want = expected[p]!;
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      const g = got[i]!;
      const w = want[i]!;
      // Cheap checks first; a readable assertion only for the first difference.
      let timestampOk: boolean;
      if (typeof w.timestamp === 'bigint') {
        timestampOk = g.timestamp === w.timestamp;
      } else {
        timestampOk = g.timestamp >= w.timestamp.min && g.timestamp <= w.timestamp.max;
        if (timestampOk) w.timestamp = g.timestamp; // every other consumer must now agree exactly
      }
      const headersOk = headerText(g.headers) === headerText(w.headers);
      if (g.offset === BigInt(i) && sameBytes(g.key, w.key) && sameBytes(g.value, w.value) && timestampOk && headersOk) continue;
      const where = `${client}: partition ${p} record ${i} (${w.source})\n  got  ${describeRecord(g)}`;
      expect(g.offset, where).toBe(BigInt(i));
      expect(g.key?.toString('hex') ?? null, `${where}: key`).toBe(w.key?.toString('hex') ?? null);
      expect(g.value?.toString('hex') ?? null, `${where}: value`).toBe(w.value?.toString('hex') ?? null);
      expect(headerText(g.headers), `${where}: headers`).toBe(headerText(w.headers));
      expect(String(g.timestamp), `${where}: timestamp`).toBe(
        typeof w.timestamp === 'bigint' ? String(w.timestamp) : `within [${w.timestamp.min}, ${w.timestamp.max}]`,
      );
    }
    expect(got.length, `${client}: partition ${p} record count`).toBe(want.length);
  }
}

export interface RoundTripReport {
  total: number;
  produceMs: number;
  /** Per consumer, and `all`. */
  consumeMs: Record<string, number>;
}

/**
 * Runs the whole round trip against a broker at `address`. The topic must not exist yet.
 * Throws (through expect) on the first difference, naming client, partition and record.
 */
export async function runRoundTrip(address: string, topic: string, counts: RoundTripCounts, seed: number): Promise<RoundTripReport> {
  const rnd = new SeededRandom(seed);
  const expected: Expected[][] = Array.from({ length: PARTITIONS }, () => []);
  const nextOffset = new Array<bigint>(PARTITIONS).fill(0n);
  const kafka = kafkaClient(address, 'e2e-round-trip');
  const admin = kafka.admin();
  await admin.connect();
  const started = Date.now();
  try {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] })).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics.map((t) => t.name)).toEqual([topic]);
    expect(metadata.topics[0]!.partitions.map((p) => p.partitionId).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);

    // 1. kafkajs, no compression then gzip: binary and null keys/values, explicit timestamps, headers.
    const baseTs = BigInt(Date.now());
    let serial = 0;
    for (const [count, compression, source] of [
      [counts.kafkajsPlain, CompressionTypes.None, 'kafkajs'],
      [counts.kafkajsGzip, CompressionTypes.GZIP, 'kafkajs-gzip'],
    ] as const) {
      const records = Array.from({ length: count }, () => randomRecord(rnd, serial++, baseTs));
      await produceWithKafkajs(kafka, topic, records, compression, nextOffset);
      for (const r of records) expected[r.partition]!.push({ ...r, source });
    }

    // 2. kcat, one codec at a time, the six partitions in parallel (text only: kcat reads lines).
    for (const codec of KCAT_CODECS) {
      const perPartition = Array.from({ length: PARTITIONS }, (_, p) =>
        Array.from({ length: counts.kcatPerCodecPartition }, (_, i) => ({
          key: `kcat-${codec}-${p}-${i}`,
          value: rnd.bool(0.05) ? '' : printable(rnd, rnd.int(1, rnd.bool(0.1) ? 4000 : 300)),
        })),
      );
      const headers: Array<[string, string]> = [
        ['codec', codec],
        ['producer', 'kcat'],
      ];
      const min = BigInt(Date.now());
      await Promise.all(perPartition.map((messages, p) => kcatProduce(address, topic, messages, { partition: p, codec, headers })));
      const max = BigInt(Date.now());
      perPartition.forEach((messages, p) => {
        for (const m of messages) {
          expected[p]!.push({
            key: Buffer.from(m.key),
            value: Buffer.from(m.value),
            headers: headers.map(([k, v]) => [k, Buffer.from(v)]),
            timestamp: { min: min - 1n, max: max + 1n },
            source: `kcat-${codec}`,
          });
        }
        nextOffset[p]! += BigInt(messages.length);
      });
    }

    // 3. confluent-kafka-python (librdkafka), lz4, explicit timestamps and binary data.
    const confluentRecords = Array.from({ length: counts.confluent }, () => randomRecord(rnd, serial++, baseTs));
    const acked = await confluentProduce(address, topic, confluentRecords, 'lz4');
    expect(acked.length).toBe(confluentRecords.length);
    confluentRecords.forEach((r, i) => {
      expect(acked[i], `confluent record ${i} acknowledged at`).toEqual({ partition: r.partition, offset: nextOffset[r.partition] });
      nextOffset[r.partition]! += 1n;
      expected[r.partition]!.push({ ...r, source: 'confluent-kafka' });
    });

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(
      offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high })).sort((a, b) => a.partition - b.partition),
      'fetchTopicOffsets after producing',
    ).toEqual(expected.map((list, partition) => ({ partition, low: '0', high: String(list.length) })));
  } finally {
    await admin.disconnect();
  }
  const produceMs = Date.now() - started;
  const total = expected.reduce((n, l) => n + l.length, 0);
  expect(total).toBe(totalRecords(counts));

  // kcat first: it fixes the kcat-stamped timestamps every other consumer must then match.
  const consumeStarted = Date.now();
  const consumeMs: Record<string, number> = {};
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await run();
    consumeMs[name] = Date.now() - t0;
    return result;
  };
  const viaKcat = await timed('kcat', () => kcatConsumeAll(address, topic));
  verify('kcat', viaKcat, expected);
  const [viaKafkajs, viaPython] = await Promise.all([
    timed('kafkajs', () => kafkajsConsumeAll(address, topic)),
    timed('kafka-python', () => kafkaPythonConsumeAll(address, topic, PARTITIONS)),
  ]);
  verify('kafkajs', viaKafkajs, expected);
  verify('kafka-python', viaPython, expected);
  consumeMs.all = Date.now() - consumeStarted;
  return { total, produceMs, consumeMs };
}
