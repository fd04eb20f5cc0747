/**
 * What the broker costs on the produce path and at start.
 *   throughput  1 KiB records in 16 KiB batches appended through the Log API to the local
 *               store, as a ratio to a raw sequential file write of the same bytes with an
 *               fsync at the same cadence as the log's flushes (one fsync per flushed segment);
 *   latency     p50/p99 of a produce (acks=-1, one 16 KiB batch) through the real TCP broker
 *               with a kafkajs producer, at the default flush bound;
 *   PUTs/GiB    object writes (segment PUTs + manifest putIfAbsent) per GiB ingested, counted
 *               by the counting store during the throughput run (background compaction off);
 *   cold start  spawn of `node bin/sluice.js broker start` to the first accepted TCP connection;
 *   idle RSS    VmRSS of a freshly started broker after a second of idleness;
 *   recompression  per MiB of records, recompression on produce against a plain compress of the
 *               same bytes (bench/lib/recompression.ts).
 * Writes bench/results/broker.json and broker.md.
 * `node dist/bench/broker-bench.js throughput` (or `recompression`) runs that part alone and prints its
 * figures without writing results (for comparing a change; the full run is what gets recorded).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Bench } from 'tinybench';
import { LOG_FLUSH_INTERVAL_MS, LOG_FLUSH_MAX_BYTES, LOG_S3_FLUSH_INTERVAL_MS, LOG_S3_FLUSH_MAX_BYTES, LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT } from '../broker/constants.js';
import { silentLogger } from '../broker/logger.js';
import { Log } from '../broker/log/index.js';
import { CountingStore } from '../broker/storage/counting-store.js';
import { LocalStore } from '../broker/storage/local-store.js';
import { bareNodeStartMs, startBenchBroker } from './lib/broker-process.js';
import { makeMessages, makeRecordBatch } from './lib/record-batches.js';
import { benchRecompression, renderRecompression, type RecompressionCase } from './lib/recompression.js';
import { resultsHeader, writeResults } from './lib/results.js';
import { formatNumber, median, medianBy } from './lib/stats.js';

const RECORD_VALUE_BYTES = 1024;
const RECORDS_PER_BATCH = 16;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Bytes moved per bench iteration: enough for many flushes, small enough for several samples. */
const ITERATION_BYTES = 32 * MIB;
/** Full load means many producers on many partitions: while one flush is being written the next
 * buffer fills, so twice the flush bound in flight lets every flush reach its bound (with only one
 * bound in flight, segments stop at what the window holds and the bench measures the window). */
const BATCH_WIRE_BYTES_APPROX = RECORDS_PER_BATCH * (RECORD_VALUE_BYTES + 20) + 61;
const APPENDS_IN_FLIGHT = Math.ceil((2 * LOG_FLUSH_MAX_BYTES) / BATCH_WIRE_BYTES_APPROX);
const S3_PROFILE_APPENDS_IN_FLIGHT = Math.ceil((2 * LOG_S3_FLUSH_MAX_BYTES) / BATCH_WIRE_BYTES_APPROX);
/** Bytes ingested under the S3 flush profile to count its PUTs. */
const S3_PROFILE_BYTES = 128 * MIB;
const PARTITIONS = 6;
/** Rounds of the throughput comparison (log then raw each); the median round is reported. */
const THROUGHPUT_ROUNDS = 3;
const COLD_START_RUNS = 5;
const IDLE_SETTLE_MS = 1000;

export interface BrokerBenchTarget {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

export interface BrokerBenchResult {
  generatedAt: string;
  node: string;
  cpus: number;
  /** 1-minute load average at start and end: figures taken on a busy machine are not comparable. */
  loadAverage: { start: number; end: number };
  flushBound: { maxBytes: number; intervalMs: number };
  throughput: {
    recordBytes: number;
    batchBytes: number;
    logMBps: number;
    rawMBps: number;
    ratio: number;
    /** Every round (log then raw); the figures above are the median round's. */
    rounds: { logMBps: number; rawMBps: number; ratio: number }[];
    /** Mean bytes per segment PUT in the log run: the baseline fsyncs once per this many bytes. */
    bytesPerFlush: number;
    samples: { log: number; raw: number };
    /** Process CPU time (user + system, all threads) per MiB moved: what the log costs regardless of load. */
    cpuMsPerMiB: { log: number; raw: number };
  };
  /** Object writes per GiB under the default (local) flush profile and under the S3 profile. */
  objectWrites: { profile: 'default' | 's3'; flushMaxBytes: number; flushIntervalMs: number; segmentPuts: number; manifestPuts: number; bytesIngested: number; putsPerGiB: number }[];
  latency: { via: string; acks: number; batchBytes: number; p50Ms: number; p99Ms: number; meanMs: number; samples: number };
  coldStart: {
    runsMs: number[];
    medianMs: number;
    minMs: number;
    maxMs: number;
    /** CPU time of the broker until it accepted, per run: less sensitive to a busy machine than wall time. */
    cpuMs: number[];
    /** `node -e ""` spawn-to-exit on this machine at the same time: the floor under any cold start. */
    bareNodeMs: number[];
  };
  idleRssMiB: number;
  recompression: RecompressionCase[];
  targets: BrokerBenchTarget[];
}

type Logger = (line: string) => void;

/** Appends `totalBatches` copies of `batch` round-robin over the partitions with a fixed window in flight. */
async function produceThroughLog(log: Log, topic: string, batch: Uint8Array, totalBatches: number, inFlight = APPENDS_IN_FLIGHT): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < totalBatches) {
      const i = next++;
      await log.append(topic, i % PARTITIONS, batch);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/**
 * The baseline: the same bytes written sequentially to a new file, fsynced every `chunkBytes`.
 * The file is kept, as the log keeps its segments: deleting it every iteration let the raw write
 * reuse the page cache it had just freed, while the log's writes needed fresh memory (on this VM
 * the kernel's copy into new page-cache pages was most of the log's CPU, see docs/log.md).
 */
async function rawSequentialWrite(file: string, totalBytes: number, chunk: Buffer): Promise<void> {
  const handle = await open(file, 'w');
  try {
    let written = 0;
    while (written < totalBytes) {
      const n = Math.min(chunk.byteLength, totalBytes - written);
      let done = 0;
      while (done < n) done += (await handle.write(chunk, done, n - done)).bytesWritten;
      await handle.sync();
      written += n;
    }
  } finally {
    await handle.close();
  }
}

async function benchThroughput(dir: string, log: Logger): Promise<Pick<BrokerBenchResult, 'throughput' | 'objectWrites'>> {
  const batch = makeRecordBatch(RECORDS_PER_BATCH, RECORD_VALUE_BYTES);
  const batchesPerIteration = Math.ceil(ITERATION_BYTES / batch.byteLength);
  const bytesPerIteration = batchesPerIteration * batch.byteLength;
  const counting = new CountingStore(new LocalStore(path.join(dir, 'bucket')));
  const theLog = await Log.open({ store: counting, logger: silentLogger(), maintenanceIntervalMs: 0 });
  try {
    await theLog.createTopic('bench', PARTITIONS);
    // Calibration (and warm-up): how many bytes the log puts in one segment at this load.
    await produceThroughLog(theLog, 'bench', batch, batchesPerIteration);
    const calib = counting.snapshot();
    const bytesPerFlush = calib.put.bytes / Math.max(1, calib.put.requests);
    const chunk = Buffer.alloc(Math.max(1, Math.round(bytesPerFlush)));
    for (let o = 0; o < chunk.byteLength; o += batch.byteLength) chunk.set(batch.subarray(0, Math.min(batch.byteLength, chunk.byteLength - o)), o);
    log(`throughput: ${formatNumber(bytesPerIteration / MIB)} MiB per iteration, ~${formatNumber(bytesPerFlush / 1024)} KiB per flush`);

    counting.reset();
    let bytesIngested = 0;
    const cpu = { log: 0, raw: 0 };
    const rawBytes = { value: 0 };
    const cpuMsSince = (start: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(start);
      return (d.user + d.system) / 1000;
    };
    // Several rounds of log then raw, the median round reported: the disk's state (writeback and
    // discards left by whatever ran before) moved the log between 258 and 448 MB/s from one run
    // to the next on this VM, and a single pair of tasks measured minutes apart caught that.
    const mbps = (meanMs: number) => bytesPerIteration / (meanMs / 1000) / 1e6;
    const rounds: { logMBps: number; rawMBps: number; ratio: number; samples: { log: number; raw: number } }[] = [];
    let rawFiles = 0;
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      const bench = new Bench({ time: 2000, iterations: 3, warmup: false });
      bench.add('log', async () => {
        const c = process.cpuUsage();
        await produceThroughLog(theLog, 'bench', batch, batchesPerIteration);
        cpu.log += cpuMsSince(c);
        bytesIngested += bytesPerIteration;
      });
      bench.add('raw', async () => {
        const c = process.cpuUsage();
        await rawSequentialWrite(path.join(dir, `raw-${++rawFiles}.bin`), bytesPerIteration, chunk);
        cpu.raw += cpuMsSince(c);
        rawBytes.value += bytesPerIteration;
      });
      await bench.run();
      const result = (name: string) => {
        const r = bench.tasks.find((t) => t.name === name)!.result;
        if (r.state !== 'completed') throw new Error(`bench task ${name}: ${r.state}`);
        return r;
      };
      const logR = result('log');
      const rawR = result('raw');
      const logMBps = mbps(logR.latency.mean);
      const rawMBps = mbps(rawR.latency.mean);
      rounds.push({ logMBps, rawMBps, ratio: logMBps / rawMBps, samples: { log: logR.latency.samplesCount, raw: rawR.latency.samplesCount } });
    }
    const medianRound = medianBy(rounds, (r) => r.ratio);
    const counts = counting.snapshot();
    return {
      throughput: {
        recordBytes: RECORD_VALUE_BYTES,
        batchBytes: batch.byteLength,
        logMBps: medianRound.logMBps,
        rawMBps: medianRound.rawMBps,
        ratio: medianRound.ratio,
        rounds: rounds.map((r) => ({ logMBps: r.logMBps, rawMBps: r.rawMBps, ratio: r.ratio })),
        bytesPerFlush,
        samples: medianRound.samples,
        cpuMsPerMiB: { log: cpu.log / (bytesIngested / MIB), raw: cpu.raw / (rawBytes.value / MIB) },
      },
      objectWrites: [
        {
          profile: 'default',
          flushMaxBytes: LOG_FLUSH_MAX_BYTES,
          flushIntervalMs: LOG_FLUSH_INTERVAL_MS,
          segmentPuts: counts.put.requests,
          manifestPuts: counts.putIfAbsent.requests,
          bytesIngested,
          putsPerGiB: (counts.put.requests + counts.putIfAbsent.requests) / (bytesIngested / GIB),
        },
        await countS3ProfilePuts(dir, batch),
      ],
    };
  } finally {
    await theLog.close();
  }
}

/** PUTs per GiB with the flush bounds the broker uses on S3 (the store is local: the count is the same). */
async function countS3ProfilePuts(dir: string, batch: Uint8Array): Promise<BrokerBenchResult['objectWrites'][number]> {
  const counting = new CountingStore(new LocalStore(path.join(dir, 's3-profile-bucket')));
  const theLog = await Log.open({
    store: counting,
    logger: silentLogger(),
    maintenanceIntervalMs: 0,
    flushMaxBytes: LOG_S3_FLUSH_MAX_BYTES,
    flushIntervalMs: LOG_S3_FLUSH_INTERVAL_MS,
    flushesInFlightMaxCount: LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT,
  });
  try {
    await theLog.createTopic('bench', PARTITIONS);
    counting.reset();
    const batches = Math.ceil(S3_PROFILE_BYTES / batch.byteLength);
    await produceThroughLog(theLog, 'bench', batch, batches, S3_PROFILE_APPENDS_IN_FLIGHT);
    const counts = counting.snapshot();
    const bytesIngested = batches * batch.byteLength;
    return {
      profile: 's3',
      flushMaxBytes: LOG_S3_FLUSH_MAX_BYTES,
      flushIntervalMs: LOG_S3_FLUSH_INTERVAL_MS,
      segmentPuts: counts.put.requests,
      manifestPuts: counts.putIfAbsent.requests,
      bytesIngested,
      putsPerGiB: (counts.put.requests + counts.putIfAbsent.requests) / (bytesIngested / GIB),
    };
  } finally {
    await theLog.close();
  }
}

async function benchLatency(dir: string, log: Logger): Promise<BrokerBenchResult['latency']> {
  const broker = await startBenchBroker(path.join(dir, 'latency-bucket'));
  const kafka = new Kafka({ clientId: 'sluice-bench', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'latency', numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    const messages = makeMessages(RECORDS_PER_BATCH, RECORD_VALUE_BYTES).map((m) => ({ ...m, partition: 0 }));
    const send = () => producer.send({ topic: 'latency', acks: -1, messages });
    for (let i = 0; i < 50; i++) await send();
    const bench = new Bench({ time: 5000, iterations: 200, warmup: false });
    bench.add('produce', async () => {
      await send();
    });
    await bench.run();
    const r = bench.tasks[0]!.result;
    if (r.state !== 'completed') throw new Error(`latency bench: ${r.state}`);
    log(`latency: ${r.latency.samplesCount} produces, p50 ${formatNumber(r.latency.p50, 2)} ms, p99 ${formatNumber(r.latency.p99, 2)} ms`);
    return {
      via: 'TCP broker (bin/sluice.js broker start), kafkajs 2.2 producer, one request in flight',
      acks: -1,
      batchBytes: RECORDS_PER_BATCH * RECORD_VALUE_BYTES,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      meanMs: r.latency.mean,
      samples: r.latency.samplesCount,
    };
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    await broker.stop();
  }
}

async function benchStart(dir: string, log: Logger): Promise<Pick<BrokerBenchResult, 'coldStart' | 'idleRssMiB'>> {
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  const bareNodeMs: number[] = [];
  let idleRssMiB = NaN;
  for (let i = 0; i < COLD_START_RUNS; i++) {
    bareNodeMs.push(await bareNodeStartMs());
    const broker = await startBenchBroker(path.join(dir, `cold-${i}`));
    try {
      runsMs.push(broker.coldStartMs);
      cpuMs.push(broker.coldStartCpuMs);
      if (i === COLD_START_RUNS - 1) {
        await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
        idleRssMiB = broker.rssBytes() / MIB;
      }
    } finally {
      await broker.stop();
    }
  }
  log(`cold start: ${runsMs.map((m) => formatNumber(m, 0)).join(', ')} ms (CPU ${cpuMs.join(', ')} ms; bare node ${bareNodeMs.map((m) => formatNumber(m, 0)).join(', ')} ms); idle RSS ${formatNumber(idleRssMiB)} MiB`);
  return {
    coldStart: { runsMs, medianMs: median(runsMs), minMs: Math.min(...runsMs), maxMs: Math.max(...runsMs), cpuMs, bareNodeMs },
    idleRssMiB,
  };
}

export function renderBrokerMarkdown(r: BrokerBenchResult): string {
  const t = r.throughput;
  const lines = [
    ...resultsHeader('Broker bench', r, ` Default flush bound: ${r.flushBound.maxBytes / MIB} MiB or ${r.flushBound.intervalMs} ms.`),
    '',
    '## How each figure is made',
    '',
    `- **Throughput**: ${RECORDS_PER_BATCH} records of ${t.recordBytes} B per batch (${t.batchBytes} B on the wire), appended through the Log API (${APPENDS_IN_FLIGHT} appends in flight over ${PARTITIONS} partitions) to the local store: ${formatNumber(t.logMBps)} MB/s (10^6 B) over ${t.samples.log} samples of ${ITERATION_BYTES / MIB} MiB in the median of ${t.rounds.length} rounds (log / raw ratio per round: ${t.rounds.map((r) => formatNumber(r.ratio, 2)).join(', ')}). Process CPU time: ${formatNumber(t.cpuMsPerMiB.log, 2)} ms per MiB through the log, ${formatNumber(t.cpuMsPerMiB.raw, 2)} ms per MiB for the raw write (on 2 shared cores the log is CPU-bound, the raw write is disk-bound, so a busy machine lowers the ratio).`,
    `- **Baseline**: the same bytes written sequentially to a new file per iteration (kept, as the log keeps its segments) with one fsync per ${formatNumber(t.bytesPerFlush / 1024)} KiB (the log's mean segment size in this run, i.e. one fsync per log flush): ${formatNumber(t.rawMBps)} MB/s. The log does more per flush (temp file + rename + directory fsync for the segment, and a manifest entry with its own fsyncs), which is what the ratio prices.`,
    ...r.objectWrites.map(
      (w) =>
        `- **PUTs per GiB, ${w.profile} flush profile** (${formatNumber(w.flushMaxBytes / MIB, 0)} MiB or ${w.flushIntervalMs} ms): ${w.segmentPuts} segment PUTs + ${w.manifestPuts} manifest putIfAbsent for ${formatNumber(w.bytesIngested / GIB, 3)} GiB ingested = ${formatNumber(w.putsPerGiB)} per GiB (counting store; background compaction off, it would add its own PUTs later).`,
    ),
    `- **Latency**: ${r.latency.via}, acks=${r.latency.acks}, ${r.latency.batchBytes} B per produce, ${r.latency.samples} samples: p50 ${formatNumber(r.latency.p50Ms, 2)} ms, p99 ${formatNumber(r.latency.p99Ms, 2)} ms, mean ${formatNumber(r.latency.meanMs, 2)} ms.`,
    `- **Cold start**: spawn of \`node bin/sluice.js broker start --port 0 --data <empty dir>\` to the first accepted TCP connect, ${r.coldStart.runsMs.length} runs: ${r.coldStart.runsMs.map((m) => formatNumber(m, 0)).join(', ')} ms (median reported; min ${formatNumber(r.coldStart.minMs, 0)} ms). CPU time the broker used until then: ${r.coldStart.cpuMs.join(', ')} ms. For scale, \`node -e ""\` took ${r.coldStart.bareNodeMs.map((m) => formatNumber(m, 0)).join(', ')} ms on this machine at the same time.`,
    `- **Idle RSS**: VmRSS of a fresh broker after ${IDLE_SETTLE_MS} ms idle, in MiB.`,
    ...renderRecompression(r.recompression),
  ];
  return lines.join('\n') + '\n';
}

export async function runBrokerBench(options: { write?: boolean; log?: Logger } = {}): Promise<BrokerBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-broker-bench-'));
  const loadStart = os.loadavg()[0]!;
  try {
    const start = await benchStart(dir, log);
    const tp = await benchThroughput(dir, log);
    const latency = await benchLatency(dir, log);
    const recompression = await benchRecompression(log);
    const targets: BrokerBenchTarget[] = [
      { name: 'produce throughput, log / raw file write', value: tp.throughput.ratio, unit: '×', target: '>= 0.5', ok: tp.throughput.ratio >= 0.5 },
      { name: 'produce throughput, log', value: tp.throughput.logMBps, unit: 'MB/s', target: '(raw: ' + formatNumber(tp.throughput.rawMBps) + ' MB/s)', ok: true },
      { name: 'produce latency p50', value: latency.p50Ms, unit: 'ms', target: `(flush bound ${LOG_FLUSH_INTERVAL_MS} ms)`, ok: true },
      { name: 'produce latency p99', value: latency.p99Ms, unit: 'ms', target: `(flush bound ${LOG_FLUSH_INTERVAL_MS} ms)`, ok: true },
      ...tp.objectWrites.map((w) => ({
        name: `object PUTs per GiB ingested (${w.profile} flush profile, ${formatNumber(w.flushMaxBytes / MIB, 0)} MiB bound)`,
        value: w.putsPerGiB,
        unit: '',
        target: '<= 256',
        ok: w.putsPerGiB <= 256,
      })),
      { name: 'cold start to first accepted connection (median)', value: start.coldStart.medianMs, unit: 'ms', target: '<= 300', ok: start.coldStart.medianMs <= 300 },
      { name: 'cold start, broker CPU time (median)', value: median(start.coldStart.cpuMs), unit: 'ms', target: '(info)', ok: true },
      { name: 'bare `node -e ""` start on this machine (median)', value: median(start.coldStart.bareNodeMs), unit: 'ms', target: '(info)', ok: true },
      { name: 'idle RSS', value: start.idleRssMiB, unit: 'MiB', target: '<= 80', ok: start.idleRssMiB <= 80 },
    ];
    const result: BrokerBenchResult = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: { start: loadStart, end: os.loadavg()[0]! },
      flushBound: { maxBytes: LOG_FLUSH_MAX_BYTES, intervalMs: LOG_FLUSH_INTERVAL_MS },
      ...tp,
      latency,
      ...start,
      recompression,
      targets,
    };
    const markdown = renderBrokerMarkdown(result);
    if (options.write !== false) writeResults('broker', result, markdown);
    log(markdown);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The throughput part alone: log vs raw, CPU per MiB, load average around it. Writes nothing. */
export async function runBrokerThroughputOnly(log: Logger = (line) => process.stdout.write(line + '\n')): Promise<BrokerBenchResult['throughput']> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-broker-bench-'));
  const loadStart = os.loadavg()[0]!;
  try {
    const { throughput: t, objectWrites } = await benchThroughput(dir, log);
    log(
      `throughput: log ${formatNumber(t.logMBps)} MB/s, raw ${formatNumber(t.rawMBps)} MB/s, ratio ${formatNumber(t.ratio, 2)} (rounds ${t.rounds.map((r) => formatNumber(r.ratio, 2)).join(', ')}); ` +
        `CPU ${formatNumber(t.cpuMsPerMiB.log, 2)} ms/MiB log, ${formatNumber(t.cpuMsPerMiB.raw, 2)} ms/MiB raw; ` +
        `${t.samples.log}/${t.samples.raw} samples; PUTs/GiB ${objectWrites.map((w) => `${w.profile} ${formatNumber(w.putsPerGiB)}`).join(', ')}; ` +
        `load average ${formatNumber(loadStart, 2)} -> ${formatNumber(os.loadavg()[0]!, 2)}`,
    );
    return t;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('throughput')) await runBrokerThroughputOnly();
  else if (process.argv.includes('recompression')) console.log(renderRecompression(await benchRecompression(console.log)).join('\n'));
  else await runBrokerBench();
}
