import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { encodeRequestFrame } from '../../../broker/protocol/apis/index.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { buildRecordBatch } from '../../../broker/protocol/record-batch.js';
import { Writer } from '../../../broker/protocol/writer.js';
import { REQUEST_MAX_BYTES } from '../../../broker/constants.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { RawClient } from './raw-client.js';

const enc = new TextEncoder();

function apiVersionsFrame(correlationId: number, version = 0): Uint8Array {
  return encodeRequestFrame(ApiKey.ApiVersions, version, correlationId, 'raw', { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
}

function metadataFrame(correlationId: number, topics: string[] | null = null): Uint8Array {
  return encodeRequestFrame(ApiKey.Metadata, 1, correlationId, 'raw', {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
}

function produceFrame(correlationId: number, topic: string, acks: number, values: string[]): Uint8Array {
  const records = buildRecordBatch(values.map((v) => ({ key: null, value: enc.encode(v) })));
  return encodeRequestFrame(ApiKey.Produce, 7, correlationId, 'raw', {
    transactionalId: null,
    acks,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
}

function fetchFrame(correlationId: number, topic: string, offset: bigint, maxWaitMs: number): Uint8Array {
  return encodeRequestFrame(ApiKey.Fetch, 11, correlationId, 'raw', {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
}

/** A frame with the given size prefix and body. */
function frame(size: number, body: Uint8Array): Uint8Array {
  const w = new Writer();
  w.int32(size).raw(body);
  return w.toUint8Array().slice();
}

let t: TestBroker;
const TOPIC = 'wire';
/** Never written: a fetch on it long-polls for its whole maxWaitMs. */
const IDLE = 'idle';

beforeAll(async () => {
  t = await startTestBroker();
  const c = await t.client();
  const res = await c.request(ApiKey.CreateTopics, 3, {
    topics: [
      { name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: IDLE, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(res.topics.map((x) => x.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  const p = await c.request(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch([{ key: null, value: enc.encode('acked-0') }]) }] }],
  });
  expect(p.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
});

afterAll(async () => {
  await t?.stop();
});

/** The acknowledged record is still there and the broker still answers on a new connection. */
async function brokerStillHealthy(): Promise<void> {
  const c = await RawClient.open(t.broker.port);
  c.write(fetchFrame(7, TOPIC, 0n, 0));
  await c.waitFrames(1);
  const res = c.decode(c.frames[0]!, ApiKey.Fetch, 11);
  const part = res.responses[0]!.partitions[0]!;
  expect(part.errorCode).toBe(ErrorCode.NONE);
  expect(part.highWatermark).toBeGreaterThanOrEqual(1n);
  expect(Buffer.from(part.records!).includes(Buffer.from('acked-0'))).toBe(true);
  c.close();
}

describe('framing', () => {
  it('closes a connection that announces a frame over the request bound, and only that one', async () => {
    const bystander = await RawClient.open(t.broker.port);
    const bad = await RawClient.open(t.broker.port);
    bad.write(frame(REQUEST_MAX_BYTES + 1, new Uint8Array(16)));
    await bad.waitClosed();
    expect(bad.frames).toHaveLength(0);
    bystander.write(apiVersionsFrame(1));
    await bystander.waitFrames(1);
    expect(bystander.closed).toBe(false);
    bystander.close();
    await brokerStillHealthy();
  });

  it('closes a connection whose frame is smaller than a request header', async () => {
    const bad = await RawClient.open(t.broker.port);
    bad.write(frame(3, new Uint8Array([0, 18, 0])));
    await bad.waitClosed();
    await brokerStillHealthy();
  });

  it('closes a connection whose request body is truncated', async () => {
    const good = metadataFrame(5, [TOPIC]);
    // Keep the header and cut the body in the middle of the topic name, fixing the size prefix.
    const cut = good.slice(0, good.byteLength - 3);
    new DataView(cut.buffer).setInt32(0, cut.byteLength - 4);
    const bad = await RawClient.open(t.broker.port);
    bad.write(cut);
    await bad.waitClosed();
    expect(bad.frames).toHaveLength(0);
    await brokerStillHealthy();
  });

  it('closes a connection that sends a garbage header (unknown api key)', async () => {
    const body = new Writer();
    body.int16(0x7abc).int16(0).int32(9).nullableString('x');
    const b = body.toUint8Array();
    const bad = await RawClient.open(t.broker.port);
    bad.write(frame(b.byteLength, b));
    await bad.waitClosed();
    await brokerStillHealthy();
  });

  it('survives a client that disconnects in the middle of a frame', async () => {
    const bad = await RawClient.open(t.broker.port);
    bad.write(frame(1000, new Uint8Array(10)));
    bad.close();
    await brokerStillHealthy();
  });

  it('reassembles frames split at every byte', async () => {
    const c = await RawClient.open(t.broker.port);
    const bytes = Buffer.concat([apiVersionsFrame(1), metadataFrame(2)]);
    for (const b of bytes) {
      c.write(Uint8Array.of(b));
      await new Promise((r) => setImmediate(r));
    }
    await c.waitFrames(2);
    expect(c.frames.map((f) => f.correlationId)).toEqual([1, 2]);
    c.close();
  });
});

describe('ordering and pipelining', () => {
  it('answers in request order even when a later request finishes first', async () => {
    const c = await RawClient.open(t.broker.port);
    // A fetch on an empty topic long-polls for 300 ms; the ApiVersions behind it is instant.
    const started = Date.now();
    c.write(Buffer.concat([fetchFrame(10, IDLE, 0n, 300), apiVersionsFrame(11), fetchFrame(12, TOPIC, 0n, 300), metadataFrame(13)]));
    await c.waitFrames(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(c.frames.map((f) => f.correlationId)).toEqual([10, 11, 12, 13]);
    expect(c.decode(c.frames[0]!, ApiKey.Fetch, 11).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    c.close();
  });

  it('answers the kafka-python pattern: ApiVersions v0 and Metadata v0 in one write', async () => {
    const c = await RawClient.open(t.broker.port);
    const md0 = encodeRequestFrame(ApiKey.Metadata, 0, 2, 'kafka-python', {
      topics: null,
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    c.write(Buffer.concat([apiVersionsFrame(1, 0), md0]));
    await c.waitFrames(2);
    expect(c.frames.map((f) => f.correlationId)).toEqual([1, 2]);
    const md = c.decode(c.frames[1]!, ApiKey.Metadata, 0);
    expect(md.topics.map((x) => x.name)).toContain(TOPIC);
    c.close();
  });

  it('answers hundreds of pipelined requests (beyond the in-flight bound) all in order', async () => {
    const c = await RawClient.open(t.broker.port);
    const n = 300;
    c.write(Buffer.concat(Array.from({ length: n }, (_, i) => apiVersionsFrame(i + 1))));
    await c.waitFrames(n, 15_000);
    expect(c.frames.map((f) => f.correlationId)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    c.close();
  });

  it('sends no answer to acks=0 produce, still writes it, and keeps the order of the rest', async () => {
    const c = await RawClient.open(t.broker.port);
    c.write(Buffer.concat([produceFrame(20, TOPIC, 0, ['fire-and-forget']), apiVersionsFrame(21)]));
    await c.waitFrames(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.frames.map((f) => f.correlationId)).toEqual([21]);
    c.write(fetchFrame(22, TOPIC, 0n, 0));
    await c.waitFrames(2);
    const res = c.decode(c.frames[1]!, ApiKey.Fetch, 11);
    expect(Buffer.from(res.responses[0]!.partitions[0]!.records!).includes(Buffer.from('fire-and-forget'))).toBe(true);
    c.close();
  });
});

describe('unsupported versions', () => {
  it('answers ApiVersions at an unknown version with error 35 in a v0 body and keeps the connection', async () => {
    const c = await RawClient.open(t.broker.port);
    const body = new Writer();
    body.int16(ApiKey.ApiVersions).int16(9).int32(77).nullableString('future-client');
    const b = body.toUint8Array();
    c.write(frame(b.byteLength, b));
    await c.waitFrames(1);
    expect(c.frames[0]!.correlationId).toBe(77);
    expect([...c.frames[0]!.bytes.subarray(4)]).toEqual([0x00, 0x23, 0x00, 0x00, 0x00, 0x00]);
    c.write(apiVersionsFrame(78, 3));
    await c.waitFrames(2);
    const res = c.decode(c.frames[1]!, ApiKey.ApiVersions, 3);
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(c.closed).toBe(false);
    c.close();
  });

  it('answers a flood of unsupported-version ApiVersions frames without growing the stack', async () => {
    const c = await RawClient.open(t.broker.port);
    const body = new Writer();
    body.int16(ApiKey.ApiVersions).int16(9).int32(1).nullableString(null);
    const one = frame(body.length, body.toUint8Array());
    const n = 20_000;
    const flood = new Uint8Array(one.byteLength * n);
    for (let i = 0; i < n; i++) flood.set(one, i * one.byteLength);
    c.write(flood);
    await c.waitFrames(n, 30_000);
    expect(c.closed).toBe(false);
    c.close();
    await brokerStillHealthy();
  });

  it('closes the connection for another API at an unsupported version', async () => {
    const c = await RawClient.open(t.broker.port);
    const body = new Writer();
    body.int16(ApiKey.Metadata).int16(99).int32(5).nullableString('x');
    const b = body.toUint8Array();
    c.write(frame(b.byteLength, b));
    await c.waitClosed();
    expect(c.frames).toHaveLength(0);
    await brokerStillHealthy();
  });
});
