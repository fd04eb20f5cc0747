/**
 * A derived topic against what users write without one: a kafkajs consume-transform-produce loop
 * that runs the same filter in JavaScript, with an idempotent producer and offsets committed per
 * batch, against the same broker in the same run.
 *   throughput  SOURCE_RECORDS JSON records already in a 4-partition topic, read, filtered (1 in
 *               10 kept) and written: records per second until the output is complete;
 *   latency     records produced at LATENCY_RATE_PER_S, each carrying its send time, consumed from
 *               the output topic: p50 and p99 from send to receipt;
 *   chains      the broker's event-loop thread CPU per source record for a derived topic whose
 *               chain is two modules (json-filter keeping every record, then json-map), against
 *               one whose chain is the json-map alone: what a further module costs the event loop.
 * Each in ROUNDS rounds, the two sides alternating; the median round by ratio is the figure.
 * Writes bench/results/derived.json and derived.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { ApiKey } from '../broker/protocol/api-keys.js';
import { buildRecordBatch, decodeRecords, isControlBatch, iterateBatches } from '../broker/protocol/record-batch.js';
import { KafkaClient } from '../cli/kafka-client/kafka-client.js';
import { adminRequest } from './lib/admin.js';
import { cpuMsOf, startBenchBroker, type BenchBroker } from './lib/broker-process.js';
import { packageRoot, resultsHeader, writeResults } from './lib/results.js';
import { formatNumber, medianBy, quantileSorted } from './lib/stats.js';

const PARTITIONS = 4;
const SOURCE_RECORDS = 1_000_000;
const KEEP_ONE_IN = 10;
const PRODUCE_BATCH_RECORDS = 1000;
const LATENCY_RATE_PER_S = 2000;
const LATENCY_SECONDS = 10;
const LATENCY_SEND_EVERY_MS = 10;
const COMPLETE_TIMEOUT_MS = 300_000;
/** Rounds of each measurement, the two sides alternating. */
const ROUNDS = 3;

type Logger = (line: string) => void;
type LatencySummary = { p50Ms: number; p99Ms: number; samples: number };
/** Event-loop thread CPU per source record (10 ms resolution over the whole source) of each chain. */
type ChainRound = { oneNsPerRecord: number; twoNsPerRecord: number; ratio: number };
const enc = new TextEncoder();
const record = (n: number, sentMs = 0): string => JSON.stringify({ level: n % KEEP_ONE_IN === 3 ? 'error' : 'info', n, sent: sentMs, msg: 'request served from cache shard' });

export interface DerivedBenchResult {
  generatedAt: string;
  node: string;
  cpus: number;
  loadAverage: { start: number; end: number };
  throughput: { records: number; pipelineRecordsPerS: number; loopRecordsPerS: number; ratio: number; rounds: { pipelineRecordsPerS: number; loopRecordsPerS: number; ratio: number }[] };
  latency: { ratePerS: number; seconds: number; pipeline: LatencySummary; loop: LatencySummary; rounds: { pipeline: LatencySummary; loop: LatencySummary; ratio: number }[] };
  chains: ChainRound & { rounds: ChainRound[] };
  targets: { name: string; value: number; unit: string; target: string; ok: boolean }[];
}

async function createTopic(client: KafkaClient, name: string): Promise<void> {
  const res = await client.request(ApiKey.CreateTopics, 3, { topics: [{ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
  if (res.topics[0]!.errorCode !== 0) throw new Error(`create ${name}: ${res.topics[0]!.errorCode}`);
}

async function fill(client: KafkaClient, topic: string): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    for (let n = 0; n < SOURCE_RECORDS / PARTITIONS; n += PRODUCE_BATCH_RECORDS) {
      const batch = buildRecordBatch(Array.from({ length: PRODUCE_BATCH_RECORDS }, (_, i) => ({ key: null, value: enc.encode(record(p * SOURCE_RECORDS + n + i)) })));
      const res = await client.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: p, records: batch }] }] });
      if (res.responses[0]!.partitionResponses[0]!.errorCode !== 0) throw new Error(`produce to ${topic}-${p} failed`);
    }
  }
}

async function highWatermarks(client: KafkaClient, topic: string): Promise<bigint[]> {
  const res = await client.request(ApiKey.ListOffsets, 1, {
    replicaId: -1, isolationLevel: 0,
    topics: [{ name: topic, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1n })) }],
  });
  return res.topics[0]!.partitions.map((p) => p.offset);
}

/** Polls until `topic` holds `records` records in all; the elapsed ms since `since`. */
async function whenComplete(client: KafkaClient, topic: string, records: bigint, since: number): Promise<number> {
  const deadline = Date.now() + COMPLETE_TIMEOUT_MS;
  for (;;) {
    const total = (await highWatermarks(client, topic)).reduce((a, b) => a + b, 0n);
    if (total >= records) return performance.now() - since;
    if (Date.now() > deadline) throw new Error(`${topic} has ${total} of ${records} records after ${COMPLETE_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The baseline: a kafkajs group reads `from`, filters in JavaScript, produces to `to` idempotently, commits per batch. */
async function startLoop(kafka: Kafka, from: string, to: string, group: string, joined: { at: number } = { at: 0 }): Promise<() => Promise<void>> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 20, maxBytes: 16 << 20, maxBytesPerPartition: 4 << 20 });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined.at = performance.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const kept = batch.messages.filter((m) => (JSON.parse(m.value!.toString('utf8')) as { level: string }).level === 'error');
      if (kept.length > 0) await producer.send({ topic: to, acks: -1, messages: kept.map((m) => ({ partition: batch.partition, key: m.key, value: m.value })) });
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) {
        resolveOffset(last.offset);
        await consumer.commitOffsets([{ topic: from, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
      }
      await heartbeat();
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

async function attachPipeline(broker: BenchBroker, from: string, to: string): Promise<void> {
  await adminRequest(broker.port, 'POST', '/v1/attachments', { kind: 'derived', module: 'json-filter', params: { field: 'level', value: 'error' }, topic: from, to });
}

const MAP_PARAMS = { fields: 'level,n,msg' };
/** Keeps every record: all carry this msg. */
const KEEP_ALL = { field: 'msg', value: 'request served from cache shard' };

/**
 * The broker's event-loop thread CPU per record while a derived topic over all of `src` is made
 * by json-map alone, and by json-filter (keeping every record) then json-map: ROUNDS rounds.
 */
async function benchChains(broker: BenchBroker, client: KafkaClient, log: Logger): Promise<DerivedBenchResult['chains']> {
  const nsPerRecord = async (to: string, body: Record<string, unknown>): Promise<number> => {
    const cpu0 = cpuMsOf(broker.pid, broker.pid);
    await adminRequest(broker.port, 'POST', '/v1/attachments', { kind: 'derived', topic: 'src', to, ...body });
    await whenComplete(client, to, BigInt(SOURCE_RECORDS), performance.now());
    return ((cpuMsOf(broker.pid, broker.pid) - cpu0) * 1e6) / SOURCE_RECORDS;
  };
  const rounds: ChainRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const oneNsPerRecord = await nsPerRecord(`chain-one-${round}`, { module: 'json-map', params: MAP_PARAMS });
    const twoNsPerRecord = await nsPerRecord(`chain-two-${round}`, { module: 'json-filter', params: KEEP_ALL, then: [{ module: 'json-map', params: MAP_PARAMS }] });
    rounds.push({ oneNsPerRecord, twoNsPerRecord, ratio: twoNsPerRecord / oneNsPerRecord });
    log(`chains round ${round}: event-loop CPU ${formatNumber(oneNsPerRecord, 0)} ns/record for json-map, ${formatNumber(twoNsPerRecord, 0)} for json-filter then json-map`);
  }
  return { ...medianBy(rounds, (r) => r.ratio), rounds };
}

/** Produces at LATENCY_RATE_PER_S into `from` while reading `to`: send-to-receipt times in ms. */
async function measureLatency(broker: BenchBroker, client: KafkaClient, from: string, to: string): Promise<number[]> {
  const reader = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
  const next = (await highWatermarks(client, to)).slice();
  const latencies: number[] = [];
  let reading = true;
  const readLoop = (async () => {
    while (reading) {
      const res = await reader.request(ApiKey.Fetch, 11, {
        replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 4 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: to, partitions: next.map((o, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: o, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
        forgottenTopicsData: [], rackId: '',
      });
      const now = Date.now();
      for (const part of res.responses[0]!.partitions) {
        for (const b of iterateBatches(part.records ?? new Uint8Array(0), { truncated: 'stop' })) {
          if (!isControlBatch(b.header.attributes)) {
            for (const r of decodeRecords(b.bytes)) if (r.offset >= next[part.partitionIndex]!) latencies.push(now - (JSON.parse(Buffer.from(r.value!).toString('utf8')) as { sent: number }).sent);
          }
          const after = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
          if (after > next[part.partitionIndex]!) next[part.partitionIndex] = after;
        }
      }
    }
  })();
  const perSend = Math.round((LATENCY_RATE_PER_S * LATENCY_SEND_EVERY_MS) / 1000);
  let n = 0;
  const end = Date.now() + LATENCY_SECONDS * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    const p = n % PARTITIONS;
    const batch = buildRecordBatch(Array.from({ length: perSend }, () => ({ key: null, value: enc.encode(record(n++ * KEEP_ONE_IN + 3, Date.now())) })));
    await client.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: from, partitionData: [{ index: p, records: batch }] }] });
    await new Promise((r) => setTimeout(r, Math.max(0, LATENCY_SEND_EVERY_MS - (Date.now() - started))));
  }
  await new Promise((r) => setTimeout(r, 2000));
  reading = false;
  await readLoop;
  reader.close();
  return latencies;
}

const summary = (ms: number[]): { p50Ms: number; p99Ms: number; samples: number } => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50Ms: quantileSorted(sorted, 0.5), p99Ms: quantileSorted(sorted, 0.99), samples: sorted.length };
};

export function renderDerivedMarkdown(r: DerivedBenchResult): string {
  return [
    ...resultsHeader('Derived topic bench', r),
    '',
    `**Throughput**: ${r.throughput.records.toLocaleString('en')} JSON records (~100 B) in ${PARTITIONS} partitions, 1 in ${KEEP_ONE_IN} kept. The derived topic (json-filter, exactly once: output, position and state in one manifest entry per step) took them at ${formatNumber(r.throughput.pipelineRecordsPerS / 1000, 1)} k records/s; the kafkajs loop (a consumer group, JSON.parse and a field test in JavaScript, an idempotent producer with one request in flight, offsets committed after each batch) at ${formatNumber(r.throughput.loopRecordsPerS / 1000, 1)} k records/s.`,
    '',
    `**Latency**: ${r.latency.ratePerS} records/s for ${r.latency.seconds} s, every record kept, each carrying its send time; a fetch loop reads the output. Send to receipt in the median round: derived topic p50 ${formatNumber(r.latency.pipeline.p50Ms, 1)} ms, p99 ${formatNumber(r.latency.pipeline.p99Ms, 1)} ms (${r.latency.pipeline.samples} records); kafkajs loop p50 ${formatNumber(r.latency.loop.p50Ms, 1)} ms, p99 ${formatNumber(r.latency.loop.p99Ms, 1)} ms (${r.latency.loop.samples} records).`,
    '',
    `Every round (${ROUNDS}, the two sides alternating against the same broker):`,
    '',
    '| round | derived k records/s | loop k records/s | ratio | derived p50 / p99 ms | loop p50 / p99 ms | p99 ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.throughput.rounds.map((t, i) => {
      const l = r.latency.rounds[i]!;
      return `| ${i + 1} | ${formatNumber(t.pipelineRecordsPerS / 1000, 1)} | ${formatNumber(t.loopRecordsPerS / 1000, 1)} | ${formatNumber(t.ratio, 2)} | ${formatNumber(l.pipeline.p50Ms, 0)} / ${formatNumber(l.pipeline.p99Ms, 0)} | ${formatNumber(l.loop.p50Ms, 0)} / ${formatNumber(l.loop.p99Ms, 0)} | ${formatNumber(l.ratio, 2)} |`;
    }),
    '',
    `**Chains**: the same ${r.throughput.records.toLocaleString('en')} records made into a derived topic by json-map alone, and by json-filter (keeping every record) then json-map; the broker's event-loop thread CPU per source record until the output was complete (10 ms resolution). Each module runs in its sandbox worker; the first converts the stored Kafka batches there, the last builds the output batches there.`,
    '',
    '| round | json-map, ns / record | json-filter then json-map | ratio |',
    '| ---: | ---: | ---: | ---: |',
    ...r.chains.rounds.map((c, i) => `| ${i + 1} | ${formatNumber(c.oneNsPerRecord, 0)} | ${formatNumber(c.twoNsPerRecord, 0)} | ${formatNumber(c.ratio, 2)} |`),
    '',
  ].join('\n');
}

export async function runDerivedBench(options: { write?: boolean; log?: Logger } = {}): Promise<DerivedBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const loadStart = os.loadavg()[0]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-derived-bench-'));
  const broker = await startBenchBroker(path.join(dir, 'bucket'));
  const client = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
  const kafka = new Kafka({ clientId: 'sluice-bench-loop', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  try {
    for (const m of ['json-filter', 'json-map']) await adminRequest(broker.port, 'PUT', `/v1/modules/${m}`, readFileSync(path.join(packageRoot(), 'modules', m, 'build', `${m}.wasm`)));
    for (const t of ['src', 'lat-src', 'lat-loop-src', 'lat-loop-out']) await createTopic(client, t);
    await fill(client, 'src');
    const kept = BigInt(SOURCE_RECORDS / KEEP_ONE_IN);

    // Both sides start warm: the sandbox and the module's instances for the pipeline (a pipeline on a
    // small topic), a joined group for the loop (the clock starts when it joined).
    await createTopic(client, 'warm');
    await attachPipeline(broker, 'warm', 'warm-out');
    // Rounds alternate the two sides over the same source, each into fresh output topics (and a
    // fresh group): the run's drift (disk, compaction) falls on both, the median round is reported.
    const throughputRounds: DerivedBenchResult['throughput']['rounds'] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await createTopic(client, `loop-out-${round}`);
      const started = performance.now();
      await attachPipeline(broker, 'src', `pipeline-out-${round}`);
      const pipelineMs = await whenComplete(client, `pipeline-out-${round}`, kept, started);
      const joined = { at: 0 };
      const stopLoop = await startLoop(kafka, 'src', `loop-out-${round}`, `bench-loop-${round}`, joined);
      while (joined.at === 0) await new Promise((r) => setTimeout(r, 1));
      const loopMs = await whenComplete(client, `loop-out-${round}`, kept, joined.at);
      await stopLoop();
      const r = { pipelineRecordsPerS: SOURCE_RECORDS / (pipelineMs / 1000), loopRecordsPerS: SOURCE_RECORDS / (loopMs / 1000), ratio: loopMs / pipelineMs };
      throughputRounds.push(r);
      log(`throughput round ${round}: derived topic ${formatNumber(r.pipelineRecordsPerS / 1000, 1)} k records/s, kafkajs loop ${formatNumber(r.loopRecordsPerS / 1000, 1)} k records/s (${formatNumber(r.ratio, 2)}x)`);
    }
    const tp = medianBy(throughputRounds, (r) => r.ratio);

    await attachPipeline(broker, 'lat-src', 'lat-out');
    const stopLatLoop = await startLoop(kafka, 'lat-loop-src', 'lat-loop-out', 'bench-lat-loop');
    // Both settle (the group joined, the throughput rounds' segments compacted) before any round.
    await new Promise((r) => setTimeout(r, 3000));
    const latencyRounds: DerivedBenchResult['latency']['rounds'] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const pipeline = summary(await measureLatency(broker, client, 'lat-src', 'lat-out'));
      const loop = summary(await measureLatency(broker, client, 'lat-loop-src', 'lat-loop-out'));
      latencyRounds.push({ pipeline, loop, ratio: pipeline.p99Ms / loop.p99Ms });
      log(`latency round ${round}: derived topic p50 ${formatNumber(pipeline.p50Ms, 1)} ms, p99 ${formatNumber(pipeline.p99Ms, 1)} ms; kafkajs loop p50 ${formatNumber(loop.p50Ms, 1)} ms, p99 ${formatNumber(loop.p99Ms, 1)} ms`);
    }
    await stopLatLoop();
    const lat = medianBy(latencyRounds, (r) => r.ratio);
    const chains = await benchChains(broker, client, log);

    const result: DerivedBenchResult = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { start: loadStart, end: os.loadavg()[0]! },
      throughput: { records: SOURCE_RECORDS, pipelineRecordsPerS: tp.pipelineRecordsPerS, loopRecordsPerS: tp.loopRecordsPerS, ratio: tp.ratio, rounds: throughputRounds },
      latency: { ratePerS: LATENCY_RATE_PER_S, seconds: LATENCY_SECONDS, pipeline: lat.pipeline, loop: lat.loop, rounds: latencyRounds },
      chains,
      targets: [
        { name: 'derived topic / kafkajs loop, records per second (median round)', value: tp.ratio, unit: 'x', target: '>= 5', ok: tp.ratio >= 5 },
        { name: 'derived topic p99 / kafkajs loop p99 (median round)', value: lat.ratio, unit: 'x', target: '<= 1', ok: lat.ratio <= 1 },
        { name: 'event-loop CPU per record, a chain of two modules / of one (median round)', value: chains.ratio, unit: 'x', target: '<= 1.25', ok: chains.ratio <= 1.25 },
      ],
    };
    if (options.write !== false) writeResults('derived', result, renderDerivedMarkdown(result));
    return result;
  } finally {
    client.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('derived-bench.js')) await runDerivedBench();
