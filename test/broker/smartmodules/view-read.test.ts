import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { Compression, buildRecordBatch, isControlBatch } from '../../../broker/protocol/record-batch.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { INPUT_BATCH_MAX_BYTES } from '../../../runtime/constants.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, attach, createTopic, fetchAll, fetchOnce, fetchWhileStuck, produce, registerModule, valuesBatch } from './record-path-helpers.js';
import { BAD_OUTPUT_PROCESS, abiModule } from '../../runtime/wat-modules.js';

let t: TestBroker;
let c: KafkaClient;
const enc = new TextEncoder();

/** JSON log lines: every `every`-th is an error. */
function logLines(from: number, count: number, every: number): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ level: (from + i) % every === 0 ? 'error' : 'info', n: from + i }));
}

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  for (const m of ['json-filter', 'json-map', 'json-split', 'count-sum', 'trap', 'endless-loop']) await registerModule(t.address, m);
  await createTopic(c, 'logs', 2);
  // Partition 0: 600 lines in batches of 50, one error in 100. Partition 1: 300 lines, gzip.
  for (let i = 0; i < 600; i += 50) await produce(c, 'logs', 0, valuesBatch(logLines(i, 50, 100)));
  const gz = buildRecordBatch(logLines(0, 300, 100).map((v) => ({ key: null, value: enc.encode(v) })), { compression: Compression.gzip });
  await produce(c, 'logs', 1, gz);
  for (const [as, value] of [['errors', 'error'], ['nothing', 'none-such']]) {
    const r = await attach(t.address, { kind: 'view', module: 'json-filter', topic: 'logs', as, params: { field: 'level', value } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('a view on fetch', () => {
  it('answers the records its filter keeps at their source offsets, and a client reaches the high watermark', async () => {
    for (const version of [4, 11]) {
      const p0 = await fetchAll(c, 'errors', 0, 0n, version);
      expect(p0.records.map((r) => r.offset)).toEqual([0n, 100n, 200n, 300n, 400n, 500n]);
      expect(p0.records.every((r) => JSON.parse(r.value!).level === 'error')).toBe(true);
      const p1 = await fetchAll(c, 'errors', 1, 0n, version);
      expect(p1.records.map((r) => r.offset)).toEqual([0n, 100n, 200n]);
    }
  });

  it('closes a trailing gap with a control batch for Fetch v5+, and with an empty batch after a record below the offset for older clients', async () => {
    const v11 = await fetchOnce(c, 'nothing', 0, 7n);
    expect(v11.records).toEqual([]);
    expect(v11.batches).toHaveLength(1);
    expect(isControlBatch(v11.batches[0]!.attributes)).toBe(true);
    expect(v11.next).toBe(600n);
    const v4 = await fetchOnce(c, 'nothing', 0, 7n, { version: 4 });
    expect(v4.records).toEqual([]);
    expect(v4.batches.map((b) => [b.baseOffset, b.recordCount])).toEqual([[6n, 1], [7n, 0]]);
    expect(v4.next).toBe(600n);
  });

  it('lets a client through a view that keeps nothing, one fetch per partition', async () => {
    for (const version of [4, 11]) {
      expect(await fetchAll(c, 'nothing', 0, 0n, version)).toEqual({ records: [], fetches: 1, errorCode: 0 });
    }
  });

  it('starts mid-partition at the fetch offset and never answers records below it', async () => {
    const from = await fetchAll(c, 'errors', 0, 250n);
    expect(from.records.map((r) => r.offset)).toEqual([300n, 400n, 500n]);
  });

  it('answers a record of several MiB from a source whose max.message.bytes allows it', async () => {
    const res = await c.request(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'large-records', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: String(12 << 20) }] }],
      timeoutMs: 5_000, validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(0);
    const large = JSON.stringify({ level: 'error', blob: 'x'.repeat(5 << 20) });
    await produce(c, 'large-records', 0, valuesBatch(['{"level":"info"}', large, '{"level":"error","n":2}']));
    expect((await attach(t.address, { kind: 'view', module: 'json-filter', topic: 'large-records', as: 'large-errors', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const f = await fetchOnce(c, 'large-errors', 0, 0n);
    expect(f.errorCode).toBe(0);
    expect(f.records.map((r) => [r.offset, r.value?.length])).toEqual([[1n, large.length], [2n, 23]]);
  });

  it(`under skip leaves out a record past ${INPUT_BATCH_MAX_BYTES} bytes of module input, counting it, and answers the rest`, async () => {
    const res = await c.request(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'huge-records', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'max.message.bytes', value: String(40 << 20) }] }],
      timeoutMs: 5_000, validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(0);
    const huge = JSON.stringify({ level: 'error', blob: 'x'.repeat(INPUT_BATCH_MAX_BYTES) });
    await produce(c, 'huge-records', 0, valuesBatch(['{"level":"error","n":0}', '{"level":"error","n":1}', huge, '{"level":"error","n":3}']));
    expect((await attach(t.address, { kind: 'view', module: 'json-filter', topic: 'huge-records', as: 'huge-errors', params: { field: 'level', value: 'error' } })).status).toBe(201);
    const got = await fetchAll(c, 'huge-errors', 0);
    expect(got.errorCode).toBe(0);
    expect(got.records.map((r) => r.offset)).toEqual([0n, 1n, 3n]);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/huge-errors')).body as { stats: { recordsSkipped: number; lastError: { kind: string; firstOffset: string; lastOffset: string; message: string } } };
    expect(status.stats.recordsSkipped).toBe(1);
    expect(status.stats.lastError).toMatchObject({ kind: 'bad-input', firstOffset: '2', lastOffset: '2' });
    expect(status.stats.lastError.message).toMatch(/input batch of \d+ bytes exceeds 16777216/);
  });

  it('rewrites values with a map and keeps every offset', async () => {
    expect((await attach(t.address, { kind: 'view', module: 'json-map', topic: 'logs', as: 'levels', params: { fields: 'level' } })).status).toBe(201);
    const all = await fetchAll(c, 'levels', 0);
    expect(all.records).toHaveLength(600);
    expect(all.records[5]).toEqual({ offset: 5n, value: '{"level":"info"}' });
  });

  it('is a topic with its source partitions in Metadata, ListOffsets and group offsets, and refuses produce', async () => {
    const meta = await c.request(ApiKey.Metadata, 8, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(meta.topics.find((x) => x.name === 'errors')?.partitions).toHaveLength(2);
    const offsets = await c.request(ApiKey.ListOffsets, 5, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: 'errors', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }, { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2n }] }],
    });
    expect(offsets.topics[0]!.partitions.map((p) => [p.errorCode, p.offset])).toEqual([[0, 600n], [0, 0n]]);
    const commit = await c.request(ApiKey.OffsetCommit, 2, {
      groupId: 'view-readers', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'errors', partitions: [{ partitionIndex: 1, committedOffset: 101n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const refused = await produce(c, 'errors', 0, valuesBatch(['x']));
    expect(refused.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(refused.errorMessage).toBe('errors is a view of logs; produce to logs');
  });

  it('refuses array_map and aggregate modules, pointing to derived topics', async () => {
    for (const m of ['json-split', 'count-sum']) {
      const r = await attach(t.address, { kind: 'view', module: m, topic: 'logs', as: `v-${m}` });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/derived topic/);
    }
  });
});

describe('a view whose module fails', () => {
  it('under skip leaves out only the failing record, counts it and says where', async () => {
    await createTopic(c, 'booms', 1);
    await produce(c, 'booms', 0, valuesBatch(['a', 'b', 'boom', 'c', 'd', 'e', 'f', 'g']));
    expect((await attach(t.address, { kind: 'view', module: 'trap', topic: 'booms', as: 'booms-skip' })).status).toBe(201);
    const got = await fetchAll(c, 'booms-skip', 0);
    expect(got.records.map((r) => r.value)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/booms-skip')).body as { stats: { errors: Record<string, number>; recordsSkipped: number; lastError: { firstOffset: string; lastOffset: string; kind: string } } };
    expect(status.stats.errors['trap']).toBeGreaterThanOrEqual(1);
    expect(status.stats.recordsSkipped).toBe(1);
    expect(status.stats.lastError).toMatchObject({ kind: 'trap', firstOffset: '2', lastOffset: '2' });
  });

  it('under halt fails its fetches with a retriable error and says why and where, until re-attached', async () => {
    expect((await attach(t.address, { kind: 'view', module: 'trap', topic: 'booms', as: 'booms-halt', onError: 'halt' })).status).toBe(201);
    const first = await fetchOnce(c, 'booms-halt', 0, 0n);
    expect(first.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    const again = await fetchOnce(c, 'booms-halt', 0, 3n);
    expect(again.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/booms-halt')).body as { state: string; halted: { partition: number; offset: string; reason: string } };
    expect(status.state).toBe('halted');
    expect(status.halted).toMatchObject({ partition: 0, offset: '0' });
    expect(status.halted.reason).toMatch(/^trap: /);
    // Re-attached with skip, it serves again.
    expect((await attach(t.address, { kind: 'view', module: 'trap', topic: 'booms', as: 'booms-halt', replace: true })).status).toBe(201);
    expect((await fetchAll(c, 'booms-halt', 0)).records).toHaveLength(7);
  });

  it('with an endless loop misses its deadline, skips the call, and the broker serves other topics meanwhile', async () => {
    expect((await attach(t.address, { kind: 'view', module: 'endless-loop', topic: 'booms', as: 'booms-loop' })).status).toBe(201);
    const { stuck, plain, stuckMs, plainAheadMs } = await fetchWhileStuck(c, () => t.client(), { topic: 'booms-loop', partition: 0 }, { topic: 'logs', partition: 0 });
    expect(plain.records.length).toBeGreaterThan(0);
    expect(stuck.records).toEqual([]);
    // The other topic was answered while the module spun, not after its deadline.
    expect(stuckMs).toBeGreaterThanOrEqual(900);
    expect(plainAheadMs).toBeGreaterThan(300);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/booms-loop')).body as { stats: { errors: Record<string, number>; recordsSkipped: number } };
    expect(status.stats.errors['deadline']).toBe(1);
    expect(status.stats.recordsSkipped).toBe(8);
  });
});

describe('a view whose module gives back a malformed output', () => {
  it('under skip leaves out the records it failed on as guest-error, and under halt halts, as for a trap', async () => {
    await createTopic(c, 'bad-outs', 1);
    await produce(c, 'bad-outs', 0, valuesBatch(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']));
    const cases = [['truncating-map', BAD_OUTPUT_PROCESS.truncated, /^guest-error: .*output batch: record \d+: /], ['moving-map', BAD_OUTPUT_PROCESS.moved, /^guest-error: .*module output: record 1 offset 1 goes back/]] as const;
    for (const [name, process, reason] of cases) {
      expect((await admin(t.address, 'PUT', `/v1/modules/${name}`, abiModule({ kind: 2, process }))).status).toBe(201);
      expect((await attach(t.address, { kind: 'view', module: name, topic: 'bad-outs', as: `${name}-skip` })).status).toBe(201);
      const got = await fetchAll(c, `${name}-skip`, 0);
      expect(got.records).toEqual([]);
      const status = (await admin(t.address, 'GET', `/v1/attachments/view/${name}-skip`)).body as { stats: { errors: Record<string, number>; recordsSkipped: number } };
      expect(status.stats.errors['guest-error']).toBeGreaterThanOrEqual(1);
      expect(status.stats.recordsSkipped).toBe(8);
      expect((await attach(t.address, { kind: 'view', module: name, topic: 'bad-outs', as: `${name}-halt`, onError: 'halt' })).status).toBe(201);
      expect((await fetchOnce(c, `${name}-halt`, 0, 0n)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      const halted = (await admin(t.address, 'GET', `/v1/attachments/view/${name}-halt`)).body as { halted: { reason: string } };
      expect(halted.halted.reason).toMatch(reason);
    }
  });
});

describe('a view whose module misses its deadline inside a large compressed batch', () => {
  it('skips only the records each call took, one deadline per call', async () => {
    await createTopic(c, 'big-gz', 1);
    const lines = logLines(0, 1500, 100);
    await produce(c, 'big-gz', 0, buildRecordBatch(lines.map((v) => ({ key: null, value: enc.encode(v) })), { compression: Compression.gzip }));
    expect((await attach(t.address, { kind: 'view', module: 'endless-loop', topic: 'big-gz', as: 'big-gz-loop' })).status).toBe(201);
    const f = await fetchOnce(c, 'big-gz-loop', 0, 0n);
    expect(f.errorCode).toBe(0);
    expect(f.records).toEqual([]);
    const status = (await admin(t.address, 'GET', '/v1/attachments/view/big-gz-loop')).body as { stats: { errors: Record<string, number>; recordsSkipped: number; lastError: { firstOffset: string; lastOffset: string } } };
    // A call takes 1,024 records (VIEW_CALL_MAX_RECORDS): the batch's 1,500 cost two calls, each skipping what it took.
    expect(status.stats.errors['deadline']).toBe(2);
    expect(status.stats.recordsSkipped).toBe(1500);
    expect(status.stats.lastError).toMatchObject({ firstOffset: '1024', lastOffset: '1499' });
  });
});

describe('a view whose module makes more output than one call may give', () => {
  it('answers what fits the output bound and the rest on the next read, in order', async () => {
    await registerModule(t.address, 'value-flood');
    await createTopic(c, 'few', 1);
    await produce(c, 'few', 0, valuesBatch(['a', 'b', 'c', 'd']));
    // 6 MB per record: the call of 4 fails the 16 MiB bound, halves of 2 pass it.
    expect((await attach(t.address, { kind: 'view', module: 'value-flood', topic: 'few', as: 'flood', params: { bytes: '6000000' } })).status).toBe(201);
    const first = await fetchOnce(c, 'flood', 0, 0n);
    expect(first.records.map((r) => [r.offset, r.value?.length])).toEqual([[0n, 6_000_000], [1n, 6_000_000]]);
    expect(first.next).toBe(2n);
    const second = await fetchOnce(c, 'flood', 0, 2n);
    expect(second.records.map((r) => r.offset)).toEqual([2n, 3n]);
  });
});
