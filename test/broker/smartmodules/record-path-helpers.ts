/** What the record-path tests share: the admin API over HTTP, modules by name, produce and fetch with sluice's own client. */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { buildRecordBatch, decodeRecords, isControlBatch, iterateBatches, type RecordBatchHeader } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { REPO_ROOT } from '../../helpers/repo.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The built .wasm of an example module (modules/) or a misbehaving fixture (test/fixtures/modules/). */
export function wasmOf(name: string): Uint8Array {
  const example = path.join(REPO_ROOT, 'modules', name, 'build', `${name}.wasm`);
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'modules', name, 'build', `${name}.wasm`);
  try {
    return readFileSync(example);
  } catch {
    return readFileSync(fixture);
  }
}

export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** One admin API request to the broker at `address` (the Kafka port). */
export async function admin(address: string, method: string, urlPath: string, body?: Uint8Array | object): Promise<AdminAnswer> {
  const init: RequestInit = { method };
  if (body instanceof Uint8Array) init.body = new Blob([body as Uint8Array<ArrayBuffer>]);
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(`http://${address}${urlPath}`, init);
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : new Uint8Array(await res.arrayBuffer()) };
}

/** Registers `name` (an example or fixture module) and throws unless the broker took it. */
export async function registerModule(address: string, name: string, as = name): Promise<void> {
  const r = await admin(address, 'PUT', `/v1/modules/${as}`, wasmOf(name));
  if (r.status !== 201) throw new Error(`module ${name}: ${r.status} ${JSON.stringify(r.body)}`);
}

export async function attach(address: string, body: object): Promise<AdminAnswer> {
  return admin(address, 'POST', '/v1/attachments', body);
}

export function valuesBatch(values: string[], opts: { baseTimestamp?: bigint; producerId?: bigint; producerEpoch?: number; baseSequence?: number } = {}): Uint8Array {
  return buildRecordBatch(values.map((v) => ({ key: enc.encode('k'), value: enc.encode(v) })), opts);
}

export async function createTopic(c: KafkaClient, name: string, partitions: number): Promise<void> {
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  if (res.topics[0]!.errorCode !== 0) throw new Error(`create ${name}: error ${res.topics[0]!.errorCode}`);
}

export async function produce(c: KafkaClient, topic: string, partition: number, records: Uint8Array, version = 8) {
  const res = await c.request(ApiKey.Produce, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

export interface FetchedPartition {
  errorCode: number;
  highWatermark: bigint;
  batches: RecordBatchHeader[];
  /** Data records at or after the fetch offset (control records left out). */
  records: { offset: bigint; value: string | null }[];
  /** Where a client that follows batch headers fetches next. */
  next: bigint;
}

export async function fetchOnce(c: KafkaClient, topic: string, partition: number, offset: bigint, opts: { version?: number; maxBytes?: number } = {}): Promise<FetchedPartition> {
  const res = await c.request(ApiKey.Fetch, opts.version ?? 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: opts.maxBytes ?? 16 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: opts.maxBytes ?? 16 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = res.responses[0]!.partitions[0]!;
  const out: FetchedPartition = { errorCode: p.errorCode, highWatermark: p.highWatermark, batches: [], records: [], next: offset };
  for (const b of iterateBatches(p.records ?? new Uint8Array(0), { truncated: 'stop' })) {
    out.batches.push(b.header);
    if (!isControlBatch(b.header.attributes)) {
      for (const r of decodeRecords(b.bytes)) if (r.offset >= offset) out.records.push({ offset: r.offset, value: r.value === null ? null : dec.decode(r.value) });
    }
    const end = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
    if (end > out.next) out.next = end;
  }
  return out;
}

/** The batches a partition stores, as one fetch from offset 0 returns them (bytes as stored). */
export async function storedBatches(c: KafkaClient, topic: string, partition = 0): Promise<Uint8Array[]> {
  const res = await c.request(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 8 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 8 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return [...iterateBatches(res.responses[0]!.partitions[0]!.records ?? new Uint8Array(0))].map((b) => b.bytes);
}

/** Every record of a partition from `offset` to the high watermark, following batch headers as librdkafka does. */
export async function fetchAll(c: KafkaClient, topic: string, partition: number, offset = 0n, version = 11): Promise<{ records: FetchedPartition['records']; fetches: number; errorCode: number }> {
  const records: FetchedPartition['records'] = [];
  let next = offset;
  for (let fetches = 1; ; fetches++) {
    const f = await fetchOnce(c, topic, partition, next, { version });
    if (f.errorCode !== 0) return { records, fetches, errorCode: f.errorCode };
    records.push(...f.records);
    if (f.next <= next && next < f.highWatermark) throw new Error(`fetch of ${topic}-${partition} at ${next} made no progress (high watermark ${f.highWatermark})`);
    next = f.next;
    if (next >= f.highWatermark) return { records, fetches, errorCode: 0 };
  }
}

/**
 * Fetches `stuck` (a view whose module never returns) on `c` while, 100 ms later, another client
 * fetches `plain` (a partition of an ordinary topic): both answers, how long the stuck one took,
 * and how long before it the plain one was answered.
 */
export async function fetchWhileStuck(
  c: KafkaClient, otherClient: () => Promise<KafkaClient>, stuck: { topic: string; partition: number }, plain: { topic: string; partition: number },
): Promise<{ stuck: FetchedPartition; plain: FetchedPartition; stuckMs: number; plainAheadMs: number }> {
  const started = Date.now();
  let plainAt = 0;
  const [s, p] = await Promise.all([fetchOnce(c, stuck.topic, stuck.partition, 0n), (async () => {
    const other = await otherClient();
    await new Promise((r) => setTimeout(r, 100));
    const f = await fetchOnce(other, plain.topic, plain.partition, 0n);
    plainAt = Date.now();
    return f;
  })()]);
  const stuckAt = Date.now();
  return { stuck: s, plain: p, stuckMs: stuckAt - started, plainAheadMs: stuckAt - plainAt };
}
