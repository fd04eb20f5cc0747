/**
 * Decodes the request frames real clients sent (captured by test/fixtures/protocol/capture.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiKey, apiName } from '../../../broker/protocol/api-keys.js';
import { CODECS, codecFor, type ImplementedApiKey, type RequestOf } from '../../../broker/protocol/apis/index.js';
import { decodeRequestHeader, type RequestHeader } from '../../../broker/protocol/header.js';
import { Reader } from '../../../broker/protocol/reader.js';
import {
  Compression,
  RECORD_BATCH_HEADER_BYTES,
  compressionOf,
  decodeRecords,
  parseRecordSet,
  verifyCrc,
  type DecodedRecord,
} from '../../../broker/protocol/record-batch.js';
import {
  ADMIN_CALLS,
  FIXTURE_TOPIC,
  KAFKAJS_MESSAGES,
  KAFKA_PYTHON_COMPRESSIBLE_MESSAGES,
  KAFKA_PYTHON_MESSAGES,
  KCAT_HEADER,
  KCAT_MESSAGES,
  type FixtureMessage,
} from '../../fixtures/protocol/messages.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/protocol');
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase());
const keyByFile = new Map(Object.values(ApiKey).map((k) => [kebab(apiName(k)), k]));

interface Captured {
  client: string;
  file: string;
  header: RequestHeader;
  body: unknown;
}

function decodeFrame(client: string, file: string): Captured {
  const frame = new Uint8Array(readFileSync(path.join(fixtures, client, file)));
  const m = /^(.*)-v(\d+)\.bin$/.exec(file);
  if (!m) throw new Error(`unexpected fixture name ${file}`);
  const r = new Reader(frame);
  expect(r.int32()).toBe(frame.byteLength - 4);
  const header = decodeRequestHeader(r);
  expect(header.apiKey).toBe(keyByFile.get(m[1]!));
  expect(header.apiVersion).toBe(Number(m[2]));
  const codec = codecFor(header.apiKey);
  if (!codec) throw new Error(`no codec for ${apiName(header.apiKey)}`);
  const body = codec.decodeRequest(r, header.apiVersion);
  expect(r.remaining).toBe(0);
  return { client, file, header, body };
}

const clients = readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const all: Array<{ client: string; file: string }> = clients.flatMap((c) =>
  readdirSync(path.join(fixtures, c))
    .filter((f) => f.endsWith('.bin'))
    .map((f) => ({ client: c, file: f })),
);

function load<K extends ImplementedApiKey>(client: string, key: K, version: number): { header: RequestHeader; body: RequestOf<K> } {
  const c = decodeFrame(client, `${kebab(apiName(key))}-v${version}.bin`);
  return { header: c.header, body: c.body as RequestOf<K> };
}

function producedRecords(client: string): { batches: ReturnType<typeof parseRecordSet>; records: () => DecodedRecord[] } {
  const { body } = load(client, ApiKey.Produce, 7);
  expect(body.topicData.map((t) => t.name)).toEqual([FIXTURE_TOPIC]);
  const part = body.topicData[0]!.partitionData;
  expect(part.map((p) => p.index)).toEqual([0]);
  const batches = parseRecordSet(part[0]!.records!);
  for (const b of batches) expect(verifyCrc(b.bytes)).toBe(true);
  return { batches, records: () => batches.flatMap((b) => decodeRecords(b.bytes)) };
}

const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

function expectMessages(records: DecodedRecord[], expected: FixtureMessage[]): void {
  expect(
    records.map((r) => ({
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map((h) => [h.key, text(h.value)]),
      timestampMs: r.timestampMs,
    })),
  ).toEqual(expected);
  expect(records.map((r) => r.offset)).toEqual(expected.map((_, i) => BigInt(i)));
}

describe('captured client frames', () => {
  it('has fixtures from kafkajs, kcat and kafka-python', () => {
    expect(clients).toEqual(expect.arrayContaining(['kafkajs', 'kafkajs-gzip', 'kcat', 'kcat-consume', 'kafka-python']));
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  it.each(all.map((c) => [`${c.client}/${c.file}`, c.client, c.file] as const))('%s decodes completely', (_label, client, file) => {
    decodeFrame(client, file);
  });

  it('kafkajs: ApiVersions v2 and Metadata v6 for the topic', () => {
    const av = load('kafkajs', ApiKey.ApiVersions, 2);
    expect(av.header.clientId).toBe('fixture-kafkajs');
    const md = load('kafkajs', ApiKey.Metadata, 6);
    expect(md.body.topics).toEqual([{ name: FIXTURE_TOPIC }]);
  });

  it('kafkajs: the produced batch carries every key, value, header and timestamp', () => {
    const { body } = load('kafkajs', ApiKey.Produce, 7);
    expect([body.acks, body.transactionalId]).toEqual([-1, null]);
    const { batches, records } = producedRecords('kafkajs');
    expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual([Compression.none]);
    expectMessages(records(), KAFKAJS_MESSAGES);
  });

  it('kafkajs: the gzip batch inflates to the same records', () => {
    const { batches, records } = producedRecords('kafkajs-gzip');
    expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual([Compression.gzip]);
    expectMessages(records(), KAFKAJS_MESSAGES);
  });

  it.each([
    ['kafkajs-snappy', Compression.snappy], // kafkajs-snappy (snappyjs): one raw block
    ['kafkajs-lz4', Compression.lz4], // lz4js: a frame with a content checksum
  ] as const)('%s: the batch inflates to the same records', (client, codec) => {
    const { batches, records } = producedRecords(client);
    expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual([codec]);
    expectMessages(records(), KAFKAJS_MESSAGES);
  });

  it.each([
    ['kafka-python-snappy', Compression.snappy], // xerial framing
    ['kafka-python-lz4', Compression.lz4], // python-lz4 frames
    ['kafka-python-zstd', Compression.zstd], // python-zstandard, with the content size
  ] as const)('%s: the batch inflates to the same records', (client, codec) => {
    const { batches, records } = producedRecords(client);
    expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual([codec]);
    expectMessages(records(), KAFKA_PYTHON_COMPRESSIBLE_MESSAGES);
  });

  it('kafka-python writes snappy in xerial framing (as the Java client does), kcat and kafkajs-snappy as one raw block', () => {
    const xerialMagic = Buffer.from('\x82SNAPPY\x00', 'latin1');
    const section = (client: string): Buffer => Buffer.from(producedRecords(client).batches[0]!.bytes.subarray(RECORD_BATCH_HEADER_BYTES));
    expect(section('kafka-python-snappy').subarray(0, 8)).toEqual(xerialMagic);
    expect(section('kafkajs-snappy').subarray(0, 8)).not.toEqual(xerialMagic);
    expect(section('kcat-snappy').subarray(0, 8)).not.toEqual(xerialMagic);
  });

  it('kafka-python: ApiVersions v0, Metadata v0/v1 probes and a Produce v7 batch', () => {
    expect(load('kafka-python', ApiKey.ApiVersions, 0).header.clientId).toBe('fixture-kafka-python');
    expect(load('kafka-python', ApiKey.Metadata, 0).body.topics).toBeNull(); // v0 empty list: all topics
    const { body } = load('kafka-python', ApiKey.Produce, 7);
    expect(body.acks).toBe(1);
    expectMessages(producedRecords('kafka-python').records(), KAFKA_PYTHON_MESSAGES);
  });

  it('kcat: ApiVersions v3 names librdkafka; its first Metadata v4 is a brokers-only query', () => {
    const av = load('kcat', ApiKey.ApiVersions, 3);
    expect(av.body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    // An empty (not null) topic list: librdkafka wants the brokers and no topics at all.
    const md = load('kcat', ApiKey.Metadata, 4).body;
    expect([md.topics, md.allowAutoTopicCreation]).toEqual([[], false]);
    expect(load('kcat-consume', ApiKey.Metadata, 4).body.topics).toEqual([{ name: FIXTURE_TOPIC }]);
  });

  it('kcat: the consumer asks ListOffsets v2 for the earliest offset, then Fetch v11 from 0', () => {
    const lo = load('kcat-consume', ApiKey.ListOffsets, 2).body;
    expect(lo.topics).toEqual([{ name: FIXTURE_TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }]);
    const f = load('kcat-consume', ApiKey.Fetch, 11).body;
    expect(f.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.fetchOffset])])).toEqual([[FIXTURE_TOPIC, [[0, 0n]]]]);
    expect(f.replicaId).toBe(-1);
  });

  const kcatCodecs = [
    ['kcat', Compression.none],
    ['kcat-gzip', Compression.gzip],
    ['kcat-snappy', Compression.snappy],
    ['kcat-lz4', Compression.lz4],
    ['kcat-zstd', Compression.zstd],
  ] as const;

  it.each(kcatCodecs)('%s: batch header and CRC check out; the records decode', (client, codec) => {
    const { batches, records } = producedRecords(client);
    expect(batches).toHaveLength(1);
    expect(compressionOf(batches[0]!.header.attributes)).toBe(codec);
    expect(batches[0]!.header.recordCount).toBe(KCAT_MESSAGES.length);
    const recs = records();
    expect(recs.map((r) => [text(r.key), text(r.value)])).toEqual(KCAT_MESSAGES.map((m) => [m.key, m.value]));
    for (const r of recs) expect(r.headers.map((h) => [h.key, text(h.value)])).toEqual([KCAT_HEADER]);
  });

  it('the codec table decodes every captured frame with the same function as the server', () => {
    for (const c of all) {
      const { header } = decodeFrame(c.client, c.file);
      expect(CODECS[header.apiKey as ImplementedApiKey]).toBeDefined();
    }
  });
});

describe('captured consumer and confluent-kafka frames', () => {
  it('kafka-python consumer (assign + seek_to_beginning): ListOffsets v1 earliest, then Fetch v4 from 0', () => {
    const lo = load('kafka-python-consume', ApiKey.ListOffsets, 1).body;
    expect(lo.topics).toEqual([{ name: FIXTURE_TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }]);
    const f = load('kafka-python-consume', ApiKey.Fetch, 4).body;
    expect(f.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.fetchOffset])])).toEqual([[FIXTURE_TOPIC, [[0, 0n]]]]);
  });

  it('confluent-kafka (bundled librdkafka 1.7) compresses with gzip against our advertised versions', () => {
    const av = load('confluent-kafka-gzip', ApiKey.ApiVersions, 3).body;
    expect(av.clientSoftwareName).toBe('confluent-kafka-python');
    const { batches, records } = producedRecords('confluent-kafka-gzip');
    expect(batches.map((b) => compressionOf(b.header.attributes))).toEqual([Compression.gzip]);
    expect(records().map((r) => [text(r.key), text(r.value), r.headers.map((h) => [h.key, text(h.value)])])).toEqual(
      KCAT_MESSAGES.slice(1).map((m) => [m.key, m.value, [KCAT_HEADER]]),
    );
  });
});

describe('captured admin frames (capture-admin.ts)', () => {
  const k = ADMIN_CALLS.kafkajs;
  const r = ADMIN_CALLS.librdkafka;
  const p = ADMIN_CALLS.kafkaPython;

  it('kafkajs admin: CreatePartitions, DeleteRecords, AlterConfigs and DeleteGroups v1', () => {
    expect(load('kafkajs-admin', ApiKey.CreatePartitions, 1).body.topics).toEqual([{ name: k.topic, count: k.partitions, assignments: null }]);
    expect(load('kafkajs-admin', ApiKey.DeleteRecords, 1).body.topics).toEqual([{ name: k.topic, partitions: [{ partitionIndex: 0, offset: BigInt(k.deleteBefore) }] }]);
    expect(load('kafkajs-admin', ApiKey.AlterConfigs, 1).body).toEqual({
      resources: [{ resourceType: 2, resourceName: k.topic, configs: [{ name: k.config[0], value: k.config[1] }] }],
      validateOnly: false,
    });
    expect(load('kafkajs-admin', ApiKey.DeleteGroups, 1).body).toEqual({ groupsNames: [k.group] });
  });

  it('librdkafka 2.0: CreatePartitions v0, AlterConfigs v0, DeleteRecords v1, OffsetDelete v0, DeleteGroups v1', () => {
    expect(load('confluent-admin', ApiKey.CreatePartitions, 0).body).toMatchObject({ topics: [{ name: r.topic, count: r.partitions, assignments: null }], validateOnly: false });
    expect(load('confluent-admin', ApiKey.AlterConfigs, 0).body.resources).toEqual([{ resourceType: 2, resourceName: r.topic, configs: [{ name: r.config[0], value: r.config[1] }] }]);
    expect(load('confluent-admin', ApiKey.DeleteRecords, 1).body.topics).toEqual([{ name: r.topic, partitions: [{ partitionIndex: 0, offset: BigInt(r.deleteBefore) }] }]);
    expect(load('confluent-admin', ApiKey.OffsetDelete, 0).body).toEqual({ groupId: r.group, topics: [{ name: r.topic, partitions: [{ partitionIndex: 0 }] }] });
    expect(load('confluent-admin', ApiKey.DeleteGroups, 1).body).toEqual({ groupsNames: [r.group] });
  });

  it('kafka-python: CreatePartitions, AlterConfigs and DeleteGroups v1', () => {
    expect(load('kafka-python-admin', ApiKey.CreatePartitions, 1).body.topics).toEqual([{ name: p.topic, count: p.partitions, assignments: null }]);
    expect(load('kafka-python-admin', ApiKey.AlterConfigs, 1).body.resources).toEqual([{ resourceType: 2, resourceName: p.topic, configs: [{ name: p.config[0], value: p.config[1] }] }]);
    expect(load('kafka-python-admin', ApiKey.DeleteGroups, 1).body).toEqual({ groupsNames: [p.group] });
  });
});
