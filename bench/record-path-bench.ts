/**
 * What SmartModules cost on the record path, each figure against a baseline run in the same process:
 *   view cost      a 1M-record source read through a filter view that keeps 1 record in 1,000,
 *                  as source records scanned per second, against reading the source itself through
 *                  the same Fetch path (the client decodes every record it is sent in both);
 *   produce check  produce p99 (kafkajs, acks=-1, 100 records a batch) to a topic with a filter on
 *                  its produce path, against a topic without;
 *   event loop     the broker's event-loop delay p99 (1 ms resolution, its metrics endpoint) while a
 *                  view is read flat out, against an empty Node process's over the same window
 *                  (bench/lib/loop-probe.ts) and against the broker's while the source is read;
 *   time split     per record, in this process: Kafka decode, Kafka to ABI, the module call (sandbox
 *                  and inline), ABI to Kafka, against a plain JavaScript filter over decoded records.
 * Writes bench/results/record-path.json and record-path.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Bench } from 'tinybench';
import { ApiKey } from '../broker/protocol/api-keys.js';
import { Compression, buildRecordBatch, decodeRecords, isControlBatch, iterateBatches } from '../broker/protocol/record-batch.js';
import { AbiBatchBuilder, KafkaRecordCursor } from '../broker/smartmodules/abi-kafka.js';
import { abiToRecordBatch } from '../broker/smartmodules/abi-to-kafka.js';
import { packKafkaInput, requestKafkaOutput } from '../broker/smartmodules/kafka-input.js';
import { KafkaClient } from '../cli/kafka-client/kafka-client.js';
import { BatchBuffers, InlineRunner, loadModule, SandboxPool } from '../runtime/index.js';
import { adminRequest } from './lib/admin.js';
import { cpuMsOf, startBenchBroker, type BenchBroker } from './lib/broker-process.js';
import { LoopProbe } from './lib/loop-probe.js';
import { packageRoot, resultsHeader, writeResults } from './lib/results.js';
import { formatNumber, median, medianBy } from './lib/stats.js';

const SOURCE_RECORDS = 1_000_000;
const PARTITIONS = 4;
const RECORDS_PER_PRODUCE_BATCH = 2000;
/** One record in this many is an error: what the view keeps. */
const KEEP_ONE_IN = 1000;
const READ_ROUNDS = 3;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const FETCH_PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const PRODUCE_RECORDS = 100;
const PRODUCE_ROUNDS = 3;
const SPLIT_RECORDS = 1024;
const LARGE_BATCH_RECORDS = 5000;
const LARGE_BATCHES = 100;
/** How long the idle broker and the empty probe are watched before the reads. */
const IDLE_WINDOW_MS = 3000;

type Logger = (line: string) => void;

const enc = new TextEncoder();
const logLine = (n: number): string =>
  JSON.stringify({ level: n % KEEP_ONE_IN === 7 ? 'error' : 'info', n, msg: 'request served from cache shard', ms: n % 97 });

export interface ViewRound {
  sourceRecordsPerS: number;
  viewRecordsPerS: number;
  ratio: number;
  sourceLoopP99Ms: number;
  viewLoopP99Ms: number;
  viewLoopMaxMs: number;
  /** An empty Node process's event-loop delay p99 over the same read (the machine's share). */
  sourceProbeP99Ms: number;
  viewProbeP99Ms: number;
  /** CPU of the broker's event-loop thread during each read, in ms (10 ms resolution). */
  sourceLoopCpuMs: number;
  viewLoopCpuMs: number;
}

export interface RecordPathBenchResult {
  generatedAt: string;
  node: string;
  cpus: number;
  loadAverage: { start: number; end: number };
  view: {
    sourceRecords: number;
    keptRecords: number;
    sourceRecordsPerS: number;
    viewRecordsPerS: number;
    ratio: number;
    rounds: ViewRound[];
    /** The same records in gzip batches of RECORDS_PER_PRODUCE_BATCH, read the same way. */
    gzip: { sourceRecordsPerS: number; viewRecordsPerS: number; ratio: number; rounds: ViewRound[] };
  };
  eventLoop: {
    viewP99Ms: number;
    viewMaxMs: number;
    sourceP99Ms: number;
    /** The empty probe's p99 over the view reads, and the median of the rounds' broker / probe ratios. */
    viewProbeP99Ms: number;
    viewOverProbe: number;
    /** Both loops' p99 with the broker idle, before the reads. */
    idle: { brokerP99Ms: number; probeP99Ms: number };
  };
  produce: { plainP99Ms: number; checkedP99Ms: number; ratio: number; plainP50Ms: number; checkedP50Ms: number; rounds: { plainP99Ms: number; checkedP99Ms: number; ratio: number }[] };
  /** Large batches (LARGE_BATCH_RECORDS) to a plain, a json-filter-checked and a json-map-checked topic: the event-loop thread's CPU per record, each round. */
  largeBatches: { rounds: { plainNsPerRecord: number; checkedNsPerRecord: number; mappedNsPerRecord: number }[] };
  split: { name: string; nsPerRecord: number }[];
  targets: { name: string; value: number; unit: string; target: string; ok: boolean }[];
}

/** The broker's event-loop lag figures since the last scrape (prom-client resets its histogram on every scrape). */
async function eventLoop(metricsPort: number): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const read = (name: string): number => {
    const m = new RegExp(`^sluice_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    if (m === null) throw new Error(`no sluice_nodejs_eventloop_lag_${name}_seconds on the metrics endpoint`);
    return Number(m[1]) * 1000;
  };
  return { p99Ms: read('p99'), maxMs: read('max') };
}

async function produceSource(client: KafkaClient, topic: string, compression: typeof Compression.none | typeof Compression.gzip = Compression.none): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    for (let n = 0; n < SOURCE_RECORDS / PARTITIONS; n += RECORDS_PER_PRODUCE_BATCH) {
      const records = Array.from({ length: RECORDS_PER_PRODUCE_BATCH }, (_, i) => ({ key: null, value: enc.encode(logLine(p * SOURCE_RECORDS + n + i)) }));
      const res = await client.request(ApiKey.Produce, 7, {
        transactionalId: null, acks: -1, timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: p, records: buildRecordBatch(records, { compression }) }] }],
      });
      const code = res.responses[0]!.partitionResponses[0]!.errorCode;
      if (code !== 0) throw new Error(`produce to ${topic}-${p}: error ${code}`);
    }
  }
}


/** Reads every partition of `topic` from 0 to its end, decoding every record sent; returns the records seen. */
async function readAll(client: KafkaClient, topic: string, end: bigint[]): Promise<number> {
  const next = end.map(() => 0n);
  let seen = 0;
  while (next.some((o, p) => o < end[p]!)) {
    const res = await client.request(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: FETCH_MAX_BYTES, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: next.map((o, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: o, logStartOffset: -1n, partitionMaxBytes: FETCH_PARTITION_MAX_BYTES })).filter((x) => x.fetchOffset < end[x.partition]!) }],
      forgottenTopicsData: [], rackId: '',
    });
    for (const part of res.responses[0]!.partitions) {
      if (part.errorCode !== 0) throw new Error(`fetch ${topic}-${part.partitionIndex}: error ${part.errorCode}`);
      for (const b of iterateBatches(part.records ?? new Uint8Array(0), { truncated: 'stop' })) {
        if (!isControlBatch(b.header.attributes)) for (const r of decodeRecords(b.bytes)) if (r.offset >= next[part.partitionIndex]!) seen++;
        const after = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
        if (after > next[part.partitionIndex]!) next[part.partitionIndex] = after;
      }
    }
  }
  return seen;
}

/** Reads `topic` whole and what the broker's event loop went through meanwhile. */
async function timedRead(client: KafkaClient, broker: BenchBroker, metricsPort: number, probe: LoopProbe, topic: string, end: bigint[]): Promise<{ seen: number; s: number; loop: { p99Ms: number; maxMs: number }; probeP99Ms: number; cpuMs: number }> {
  await eventLoop(metricsPort);
  probe.begin();
  const cpu0 = cpuMsOf(broker.pid, broker.pid);
  const t0 = performance.now();
  const seen = await readAll(client, topic, end);
  const s = (performance.now() - t0) / 1000;
  const cpuMs = cpuMsOf(broker.pid, broker.pid) - cpu0;
  const loop = await eventLoop(metricsPort);
  return { seen, s, loop, probeP99Ms: (await probe.end()).p99Ms, cpuMs };
}

/** READ_ROUNDS rounds of the source then the view read whole; returns every round and the kept count. */
async function viewRounds(client: KafkaClient, broker: BenchBroker, metricsPort: number, probe: LoopProbe, source: string, view: string, label: string, log: Logger): Promise<{ rounds: ViewRound[]; kept: number }> {
  const end = Array.from({ length: PARTITIONS }, () => BigInt(SOURCE_RECORDS / PARTITIONS));
  const rounds: ViewRound[] = [];
  let kept = 0;
  // Warm-up: the module is instantiated in each worker, the code paths optimised.
  await readAll(client, view, end.map(() => 20_000n));
  for (let round = 0; round < READ_ROUNDS; round++) {
    const src = await timedRead(client, broker, metricsPort, probe, source, end);
    if (src.seen !== SOURCE_RECORDS) throw new Error(`read ${src.seen} ${source} records, expected ${SOURCE_RECORDS}`);
    const v = await timedRead(client, broker, metricsPort, probe, view, end);
    kept = v.seen;
    const r: ViewRound = {
      sourceRecordsPerS: SOURCE_RECORDS / src.s,
      viewRecordsPerS: SOURCE_RECORDS / v.s,
      ratio: src.s / v.s,
      sourceLoopP99Ms: src.loop.p99Ms,
      viewLoopP99Ms: v.loop.p99Ms,
      viewLoopMaxMs: v.loop.maxMs,
      sourceProbeP99Ms: src.probeP99Ms,
      viewProbeP99Ms: v.probeP99Ms,
      sourceLoopCpuMs: src.cpuMs,
      viewLoopCpuMs: v.cpuMs,
    };
    rounds.push(r);
    log(`${label} round ${round + 1}: source ${formatNumber(r.sourceRecordsPerS / 1e6, 2)} M records/s, view ${formatNumber(r.viewRecordsPerS / 1e6, 2)} M/s (${formatNumber(r.ratio, 2)}x), event loop p99 ${formatNumber(r.viewLoopP99Ms, 2)} ms (max ${formatNumber(r.viewLoopMaxMs, 1)}, an empty loop beside it ${formatNumber(r.viewProbeP99Ms, 2)}) and ${r.viewLoopCpuMs} ms CPU reading the view, ${formatNumber(r.sourceLoopP99Ms, 2)} ms and ${r.sourceLoopCpuMs} ms the source`);
  }
  return { rounds, kept };
}

async function benchView(broker: BenchBroker, metricsPort: number, log: Logger): Promise<Pick<RecordPathBenchResult, 'view' | 'eventLoop'>> {
  const client = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
  const probe = await LoopProbe.start();
  try {
    for (const name of ['src', 'src-gz']) {
      await client.request(ApiKey.CreateTopics, 3, { topics: [{ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    }
    const started = performance.now();
    await produceSource(client, 'src');
    await produceSource(client, 'src-gz', Compression.gzip);
    log(`view: produced ${SOURCE_RECORDS} records twice (plain and gzip) in ${formatNumber((performance.now() - started) / 1000, 1)} s`);
    const wasm = readFileSync(path.join(packageRoot(), 'modules', 'json-filter', 'build', 'json-filter.wasm'));
    await adminRequest(broker.port, 'PUT', '/v1/modules/json-filter', wasm);
    for (const [topic, as] of [['src', 'errors'], ['src-gz', 'errors-gz']] as const) {
      await adminRequest(broker.port, 'POST', '/v1/attachments', { kind: 'view', module: 'json-filter', topic, as, params: { field: 'level', value: 'error' } });
    }
    await eventLoop(metricsPort);
    probe.begin();
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
    const idle = { brokerP99Ms: (await eventLoop(metricsPort)).p99Ms, probeP99Ms: (await probe.end()).p99Ms };
    log(`idle: event loop p99 ${formatNumber(idle.brokerP99Ms, 2)} ms in the broker, ${formatNumber(idle.probeP99Ms, 2)} ms in an empty Node process`);
    const plain = await viewRounds(client, broker, metricsPort, probe, 'src', 'errors', 'view', log);
    const gz = await viewRounds(client, broker, metricsPort, probe, 'src-gz', 'errors-gz', 'gzip view', log);
    const m = medianBy(plain.rounds, (r) => r.ratio);
    const g = medianBy(gz.rounds, (r) => r.ratio);
    const rounds = plain.rounds;
    return {
      view: {
        sourceRecords: SOURCE_RECORDS, keptRecords: plain.kept, sourceRecordsPerS: m.sourceRecordsPerS, viewRecordsPerS: m.viewRecordsPerS, ratio: m.ratio, rounds,
        gzip: { sourceRecordsPerS: g.sourceRecordsPerS, viewRecordsPerS: g.viewRecordsPerS, ratio: g.ratio, rounds: gz.rounds },
      },
      eventLoop: {
        viewP99Ms: median(rounds.map((r) => r.viewLoopP99Ms)),
        viewMaxMs: Math.max(...rounds.map((r) => r.viewLoopMaxMs)),
        sourceP99Ms: median(rounds.map((r) => r.sourceLoopP99Ms)),
        viewProbeP99Ms: median(rounds.map((r) => r.viewProbeP99Ms)),
        viewOverProbe: median(rounds.map((r) => r.viewLoopP99Ms / r.viewProbeP99Ms)),
        idle,
      },
    };
  } finally {
    client.close();
    await probe.close();
  }
}

/**
 * The event-loop thread's CPU per record while batches of LARGE_BATCH_RECORDS go to a plain topic,
 * to one with a json-filter check that keeps them (the topics benchProduceCheck made), and to one
 * with a json-map check that rewrites every record (its worker builds the new batch).
 */
async function benchLargeBatches(broker: BenchBroker, log: Logger): Promise<RecordPathBenchResult['largeBatches']> {
  const client = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
  try {
    const created = await client.request(ApiKey.CreateTopics, 3, { topics: [{ name: 'mapped', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false });
    if (created.topics[0]!.errorCode !== 0) throw new Error(`create mapped: error ${created.topics[0]!.errorCode}`);
    await adminRequest(broker.port, 'PUT', '/v1/modules/json-map', readFileSync(path.join(packageRoot(), 'modules', 'json-map', 'build', 'json-map.wasm')));
    await adminRequest(broker.port, 'POST', '/v1/attachments', { kind: 'produce', module: 'json-map', topic: 'mapped', params: { fields: 'level,n,msg,ms', upper: 'level' } });
    const batches = Array.from({ length: 10 }, (_, b) => buildRecordBatch(Array.from({ length: LARGE_BATCH_RECORDS }, (_, i) => ({ key: null, value: enc.encode(logLine(b * LARGE_BATCH_RECORDS + i)) }))));
    const nsPerRecord = async (topic: string): Promise<number> => {
      const cpu0 = cpuMsOf(broker.pid, broker.pid);
      for (let i = 0; i < LARGE_BATCHES; i++) {
        const res = await client.request(ApiKey.Produce, 8, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batches[i % batches.length]! }] }] });
        const code = res.responses[0]!.partitionResponses[0]!.errorCode;
        if (code !== 0) throw new Error(`produce to ${topic}: error ${code}`);
      }
      return ((cpuMsOf(broker.pid, broker.pid) - cpu0) * 1e6) / (LARGE_BATCHES * LARGE_BATCH_RECORDS);
    };
    const rounds: RecordPathBenchResult['largeBatches']['rounds'] = [];
    for (let round = 0; round < PRODUCE_ROUNDS; round++) {
      const r = { plainNsPerRecord: await nsPerRecord('plain'), checkedNsPerRecord: await nsPerRecord('checked'), mappedNsPerRecord: await nsPerRecord('mapped') };
      rounds.push(r);
      log(`large batches round ${round + 1}: event-loop CPU ${formatNumber(r.plainNsPerRecord, 0)} ns/record plain, ${formatNumber(r.checkedNsPerRecord, 0)} filter-checked, ${formatNumber(r.mappedNsPerRecord, 0)} map-checked`);
    }
    return { rounds };
  } finally {
    client.close();
  }
}

async function benchProduceCheck(broker: BenchBroker, log: Logger): Promise<RecordPathBenchResult['produce']> {
  const kafka = new Kafka({ clientId: 'sluice-bench', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  const kadmin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await kadmin.connect();
    await kadmin.createTopics({ topics: [{ topic: 'plain', numPartitions: 1 }, { topic: 'checked', numPartitions: 1 }], waitForLeaders: true });
    // The check keeps every record (all have "ms"), so both topics store the same batches.
    await adminRequest(broker.port, 'POST', '/v1/attachments', { kind: 'produce', module: 'json-filter', topic: 'checked', params: { field: 'msg', value: 'request served from cache shard' } });
    await producer.connect();
    const messages = Array.from({ length: PRODUCE_RECORDS }, (_, i) => ({ partition: 0, value: Buffer.from(logLine(i)) }));
    const send = (topic: string) => producer.send({ topic, acks: -1, messages });
    for (let i = 0; i < 50; i++) {
      await send('plain');
      await send('checked');
    }
    const rounds: { plainP99Ms: number; checkedP99Ms: number; ratio: number; plainP50Ms: number; checkedP50Ms: number }[] = [];
    for (let round = 0; round < PRODUCE_ROUNDS; round++) {
      const bench = new Bench({ time: 3000, iterations: 300, warmup: false });
      bench.add('plain', async () => {
        await send('plain');
      });
      bench.add('checked', async () => {
        await send('checked');
      });
      await bench.run();
      const r = (name: string) => {
        const x = bench.tasks.find((t) => t.name === name)!.result;
        if (x.state !== 'completed') throw new Error(`produce bench ${name}: ${x.state}`);
        return x.latency;
      };
      const plain = r('plain');
      const checked = r('checked');
      rounds.push({ plainP99Ms: plain.p99!, checkedP99Ms: checked.p99!, ratio: checked.p99! / plain.p99!, plainP50Ms: plain.p50!, checkedP50Ms: checked.p50! });
      log(`produce round ${round + 1}: p99 ${formatNumber(plain.p99!, 2)} ms plain, ${formatNumber(checked.p99!, 2)} ms checked (${formatNumber(checked.p99! / plain.p99!, 2)}x); p50 ${formatNumber(plain.p50!, 2)} / ${formatNumber(checked.p50!, 2)} ms`);
    }
    const m = medianBy(rounds, (x) => x.ratio);
    return { ...m, rounds: rounds.map(({ plainP99Ms, checkedP99Ms, ratio }) => ({ plainP99Ms, checkedP99Ms, ratio })) };
  } finally {
    await producer.disconnect().catch(() => {});
    await kadmin.disconnect().catch(() => {});
  }
}

/** Per-record costs of the view path's steps over batches of SPLIT_RECORDS JSON log records, in ns. */
async function benchSplit(log: Logger): Promise<RecordPathBenchResult['split']> {
  const root = packageRoot();
  const filter = await loadModule(readFileSync(path.join(root, 'modules', 'json-filter', 'build', 'json-filter.wasm')), { name: 'json-filter' });
  const map = await loadModule(readFileSync(path.join(root, 'modules', 'json-map', 'build', 'json-map.wasm')), { name: 'json-map' });
  const batch = buildRecordBatch(Array.from({ length: SPLIT_RECORDS }, (_, i) => ({ key: null, value: enc.encode(logLine(i)) })));
  const buffers = new BatchBuffers();
  const toAbi = (): Uint8Array => {
    const b = new AbiBatchBuilder(buffers);
    new KafkaRecordCursor([batch], 0n).fill(b, SPLIT_RECORDS, 1 << 24);
    return b.finish();
  };
  const inline = new InlineRunner();
  const filterInline = inline.register(filter, { params: { field: 'level', value: 'error' } });
  const mapInline = inline.register(map, { params: { fields: 'level,n' } });
  const input = toAbi().slice();
  const filterOut = inline.runSync(filterInline, input).output.slice();
  const mapOut = inline.runSync(mapInline, input).output.slice();
  const pool = await SandboxPool.start({ threads: 1, hostSyncWaitUs: 0, inputConverter: new URL('../broker/smartmodules/kafka-input.js', import.meta.url).href });
  const filterSandbox = pool.register(filter, { params: { field: 'level', value: 'error' } });
  const mapSandbox = pool.register(map, { params: { fields: 'level,n' } });
  try {
    const bench = new Bench({ time: 1500, warmupTime: 300 });
    bench
      .add('Kafka decode to record objects (reference)', () => {
        decodeRecords(batch);
      })
      .add('plain JavaScript filter over decoded records (baseline)', () => {
        let kept = 0;
        for (const r of decodeRecords(batch)) if ((JSON.parse(new TextDecoder().decode(r.value!)) as { level: string }).level === 'error') kept++;
        if (kept < 0) throw new Error('unreachable');
      })
      .add('Kafka to ABI (one pass, in the view\'s worker)', () => {
        buffers.give(toAbi());
      })
      .add('Kafka batches packed for the worker (the view\'s event-loop share)', () => {
        buffers.give(packKafkaInput([batch], 0, 0n, SPLIT_RECORDS, 1 << 24, 1 << 24, buffers).input);
      })
      .add('module call in the sandbox (json-filter)', async () => {
        const out = await pool.run(filterSandbox, buffers.copyOf(input), null, { buffers });
        buffers.give(out.output);
      })
      .add('view call in the sandbox: pack, convert there, json-filter, Kafka batch back', async () => {
        const packed = packKafkaInput([batch], 0, 0n, SPLIT_RECORDS, 1 << 24, 1 << 24, buffers).input;
        requestKafkaOutput(packed);
        const out = await pool.run(filterSandbox, packed, null, { buffers, convert: true });
        buffers.give(out.output);
      })
      .add('module call inline (json-filter)', () => {
        inline.runSync(filterInline, input);
      })
      .add('module call inline (json-map, for contrast)', () => {
        inline.runSync(mapInline, input);
      })
      .add('ABI to Kafka, filter output (1 in 1,000, in the worker)', () => {
        abiToRecordBatch(filterOut);
      })
      .add('ABI to Kafka, map output (every record, in the worker)', () => {
        abiToRecordBatch(mapOut);
      })
      .add('map view call in the sandbox: pack, convert there, json-map, Kafka batch back', async () => {
        const packed = packKafkaInput([batch], 0, 0n, SPLIT_RECORDS, 1 << 24, 1 << 24, buffers).input;
        requestKafkaOutput(packed);
        const out = await pool.run(mapSandbox, packed, null, { buffers, convert: true });
        buffers.give(out.output);
      });
    await bench.run();
    const out = bench.tasks.map((t) => {
      if (t.result.state !== 'completed') throw new Error(`split ${t.name}: ${t.result.state}`);
      return { name: t.name, nsPerRecord: (t.result.latency.p50! * 1e6) / SPLIT_RECORDS };
    });
    for (const x of out) log(`split: ${x.name}: ${formatNumber(x.nsPerRecord, 1)} ns/record`);
    return out;
  } finally {
    await pool.close();
  }
}

export function renderRecordPathMarkdown(r: RecordPathBenchResult): string {
  const ns = (name: string): number => r.split.find((x) => x.name.startsWith(name))?.nsPerRecord ?? NaN;
  const path = ns('Kafka to ABI') + ns('module call in the sandbox') + ns('ABI to Kafka, filter');

  return [
    ...resultsHeader('Record path bench', r),
    '',
    '## View cost',
    '',
    `${r.view.sourceRecords.toLocaleString('en')} JSON log records (~100 B) in ${PARTITIONS} partitions, read from offset 0 to the end by one client (Fetch v11, ${FETCH_MAX_BYTES / 2 ** 20} MiB per fetch, ${FETCH_PARTITION_MAX_BYTES / 2 ** 20} MiB per partition) that decodes every record it is sent. The view (json-filter, level=error) keeps ${r.view.keptRecords.toLocaleString('en')}. Median of ${r.view.rounds.length} rounds, source then view in each:`,
    '',
    '| round | source records/s | view source records/s | view / source | event loop p99 reading the view | max | empty loop beside it | p99 reading the source | empty loop beside it |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.view.rounds.map((x, i) => `| ${i + 1} | ${formatNumber(x.sourceRecordsPerS / 1e6, 2)} M | ${formatNumber(x.viewRecordsPerS / 1e6, 2)} M | ${formatNumber(x.ratio, 2)} | ${formatNumber(x.viewLoopP99Ms, 2)} ms | ${formatNumber(x.viewLoopMaxMs, 1)} ms | ${formatNumber(x.viewProbeP99Ms, 2)} ms | ${formatNumber(x.sourceLoopP99Ms, 2)} ms | ${formatNumber(x.sourceProbeP99Ms, 2)} ms |`),
    '',
    `The event-loop figures are the broker's own (\`sluice_nodejs_eventloop_lag_*\`, a 1 ms histogram reset at every scrape); a loop woken on time reads about 1.1 ms at this resolution. The empty loop is a Node process beside the broker that does nothing but measure its own loop the same way over the same read: what the machine alone does to a loop. Before the reads, idle for ${IDLE_WINDOW_MS / 1000} s, the broker read ${formatNumber(r.eventLoop.idle.brokerP99Ms, 2)} ms and the empty loop ${formatNumber(r.eventLoop.idle.probeP99Ms, 2)} ms.`,
    '',
    `The same records in gzip batches of ${RECORDS_PER_PRODUCE_BATCH.toLocaleString('en')}, read the same way (the view's worker inflates them; the event loop only copies them):`,
    '',
    '| round | source records/s | view source records/s | view / source | event loop p99 reading the view | empty loop beside it | event-loop thread CPU, view | and source |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.view.gzip.rounds.map((x, i) => `| ${i + 1} | ${formatNumber(x.sourceRecordsPerS / 1e6, 2)} M | ${formatNumber(x.viewRecordsPerS / 1e6, 2)} M | ${formatNumber(x.ratio, 2)} | ${formatNumber(x.viewLoopP99Ms, 2)} ms | ${formatNumber(x.viewProbeP99Ms, 2)} ms | ${x.viewLoopCpuMs} ms | ${x.sourceLoopCpuMs} ms |`),
    '',
    `Event-loop thread CPU per read of the ${r.view.sourceRecords.toLocaleString('en')} records, uncompressed: ${r.view.rounds.map((x) => `${x.viewLoopCpuMs} ms`).join(', ')} reading the view; ${r.view.rounds.map((x) => `${x.sourceLoopCpuMs} ms`).join(', ')} reading the source (10 ms resolution).`,
    '',
    '## Produce check cost',
    '',
    `kafkajs producer, acks=-1, ${PRODUCE_RECORDS} records per send, one send in flight, to a topic without and one with a json-filter check that keeps every record; tinybench, ${r.produce.rounds.length} rounds alternating: p99 ${r.produce.rounds.map((x) => `${formatNumber(x.plainP99Ms, 2)} / ${formatNumber(x.checkedP99Ms, 2)} ms`).join(', ')} (plain / checked); p50 ${formatNumber(r.produce.plainP50Ms, 2)} / ${formatNumber(r.produce.checkedP50Ms, 2)} ms in the median round.`,
    '',
    `Batches of ${LARGE_BATCH_RECORDS.toLocaleString('en')} records (${LARGE_BATCHES} per topic and round, one in flight, acks=-1) to the same two topics and to a third whose json-map check rewrites every record, the broker's event-loop thread CPU per record (10 ms resolution): ${r.largeBatches.rounds.map((x) => `${formatNumber(x.plainNsPerRecord, 0)} / ${formatNumber(x.checkedNsPerRecord, 0)} / ${formatNumber(x.mappedNsPerRecord, 0)} ns`).join(', ')} (plain / filter / map). Each check hands its batch to the sandbox worker as sent; the filter's answer is which records it kept, the map's the rewritten batch, built in the worker.`,
    '',
    '## Where the time goes',
    '',
    `Per record, batches of ${SPLIT_RECORDS} records, tinybench p50 in this process:`,
    '',
    '| step | ns / record |',
    '| --- | ---: |',
    ...r.split.map((x) => `| ${x.name} | ${formatNumber(x.nsPerRecord, 1)} |`),
    '',
    `A filter view spends ${formatNumber(path, 0)} ns per source record in these steps: ${formatNumber((100 * ns('Kafka to ABI')) / path, 0)}% converting Kafka records to ABI v1 in JavaScript, ${formatNumber((100 * ns('module call in the sandbox')) / path, 0)}% in the sandboxed module call, ${formatNumber((100 * ns('ABI to Kafka, filter')) / path, 0)}% converting its output back. Both conversions run in the sandbox worker beside the module: of these steps the broker's event loop does only the packing of the stored batches (${formatNumber(ns('Kafka batches packed'), 1)} ns per source record) and a copy of the batch that comes back. A whole view call, packed, converted, run in the sandbox and built back into a Kafka batch, takes ${formatNumber(ns('view call in the sandbox'), 1)} ns per record with json-filter and ${formatNumber(ns('map view call'), 1)} ns with json-map, whose output (every record) is built back at ${formatNumber(ns('ABI to Kafka, map'), 1)} ns per record.`,
    '',
  ].join('\n');
}

export async function runRecordPathBench(options: { write?: boolean; log?: Logger } = {}): Promise<RecordPathBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const loadStart = os.loadavg()[0]!;
  const split = await benchSplit(log);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-record-path-bench-'));
  const metricsPort = 30_000 + Math.floor(Math.random() * 20_000);
  const broker = await startBenchBroker(path.join(dir, 'bucket'), ['--metrics-port', String(metricsPort)]);
  try {
    const { view, eventLoop: loop } = await benchView(broker, metricsPort, log);
    const produce = await benchProduceCheck(broker, log);
    const largeBatches = await benchLargeBatches(broker, log);
    const result: RecordPathBenchResult = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { start: loadStart, end: os.loadavg()[0]! },
      view,
      eventLoop: loop,
      produce,
      largeBatches,
      split,
      targets: [
        { name: 'view / source, records scanned per second', value: view.ratio, unit: 'x', target: '>= 0.5', ok: view.ratio >= 0.5 },
        { name: 'the same over a gzip source', value: view.gzip.ratio, unit: 'x', target: '>= 0.5', ok: view.gzip.ratio >= 0.5 },
        { name: 'produce p99 with a check / without', value: produce.ratio, unit: 'x', target: '<= 1.5', ok: produce.ratio <= 1.5 },
        { name: 'event-loop delay p99 while a view is read flat out', value: loop.viewP99Ms, unit: 'ms', target: '<= 2', ok: loop.viewP99Ms <= 2 },
        { name: 'the same / an empty Node loop beside it, same window', value: loop.viewOverProbe, unit: 'x', target: '<= 1.5', ok: loop.viewOverProbe <= 1.5 },
      ],
    };
    if (options.write !== false) writeResults('record-path', result, renderRecordPathMarkdown(result));
    return result;
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('record-path-bench.js')) await runRecordPathBench();
