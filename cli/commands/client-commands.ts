/**
 * `sluice topic create|list|describe|delete`, `sluice produce`, `sluice consume`: talk to a
 * running broker over the Kafka protocol with sluice's own codecs.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { KafkaClient, KafkaClientError } from '../kafka-client/kafka-client.js';
import { partitionForKey } from '../kafka-client/partitioner.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { errorName, ErrorCode } from '../../broker/protocol/error-codes.js';
import { buildRecordBatch, decodeRecords, iterateBatches, type RecordInput } from '../../broker/protocol/record-batch.js';
import type { MetadataResponseTopic } from '../../broker/protocol/apis/metadata.js';

const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';
/** Records per produce request from stdin: large enough to amortize a flush, small enough to stream. */
const PRODUCE_BATCH_MAX_RECORDS = 1000;
const PRODUCE_BATCH_MAX_BYTES = 512 * 1024;
const PRODUCE_TIMEOUT_MS = 30_000;
const ADMIN_TIMEOUT_MS = 30_000;
const FETCH_MAX_WAIT_MS = 500;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const FETCH_PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const RESOURCE_TOPIC = 2;

const VERSIONS = {
  metadata: 1,
  createTopics: 3,
  deleteTopics: 1,
  describeConfigs: 1,
  produce: 7,
  fetch: 11,
  listOffsets: 1,
} as const;

interface ClientFlags {
  bootstrap: string;
}

function outputOf(cmd: Command): 'text' | 'json' {
  const o = (cmd.optsWithGlobals() as { output?: string }).output ?? 'text';
  if (o !== 'text' && o !== 'json') throw new CliError(`--output: expected text or json, got ${JSON.stringify(o)}`, 2);
  return o;
}

function kafkaFailure(what: string, code: number, message?: string | null): CliError {
  return new CliError(`${what}: ${errorName(code)}${message ? ` (${message})` : ''}`);
}

function parseIntFlag(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, 2);
  return n;
}

async function withClient<T>(bootstrap: string, fn: (c: KafkaClient) => Promise<T>): Promise<T> {
  let client: KafkaClient;
  try {
    client = await KafkaClient.connect(bootstrap);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof KafkaClientError) throw new CliError(err.message);
    throw err;
  } finally {
    client.close();
  }
}

async function topicMetadata(client: KafkaClient, topics: string[] | null): Promise<MetadataResponseTopic[]> {
  const res = await client.request(ApiKey.Metadata, VERSIONS.metadata, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  return res.topics;
}

async function requireTopic(client: KafkaClient, name: string): Promise<MetadataResponseTopic> {
  const [t] = await topicMetadata(client, [name]);
  if (t === undefined || t.errorCode !== ErrorCode.NONE) {
    throw kafkaFailure(`topic ${name}`, t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  return t;
}

function parseConfigPairs(pairs: string[]): { name: string; value: string }[] {
  return pairs.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`--config: expected key=value, got ${JSON.stringify(p)}`, 2);
    return { name: p.slice(0, eq), value: p.slice(eq + 1) };
  });
}

function print(line: string): void {
  process.stdout.write(line + '\n');
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const text = (b: Uint8Array | null): string | null => (b === null ? null : decoder.decode(b));

// ---- topic ----

function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('manage topics on a running broker');
  const bootstrap = (c: Command) => c.option('--bootstrap <host:port>', 'broker address', DEFAULT_BOOTSTRAP);

  bootstrap(topic.command('create <name>'))
    .description('create a topic')
    .option('--partitions <n>', 'number of partitions', '1')
    .option('--config <key=value>', 'topic config (repeatable): retention.ms, retention.bytes, max.message.bytes', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (name: string, flags: ClientFlags & { partitions: string; config: string[] }, cmd: Command) => {
      const out = outputOf(cmd);
      const partitions = parseIntFlag('--partitions', flags.partitions, 1, 2 ** 31 - 1)!;
      const configs = parseConfigPairs(flags.config);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.CreateTopics, VERSIONS.createTopics, {
          topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
          timeoutMs: ADMIN_TIMEOUT_MS,
          validateOnly: false,
        });
        const r = res.topics[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) {
          throw kafkaFailure(`topic create ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
        }
        print(out === 'json' ? JSON.stringify({ topic: name, partitions, created: true }) : `created topic ${name} with ${partitions} partition(s)`);
      });
    });

  bootstrap(topic.command('list'))
    .description('list topics')
    .action(async (flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const topics = (await topicMetadata(client, null)).sort((a, b) => a.name.localeCompare(b.name));
        for (const t of topics) {
          print(out === 'json' ? JSON.stringify({ topic: t.name, partitions: t.partitions.length }) : `${t.name}\t${t.partitions.length}`);
        }
      });
    });

  bootstrap(topic.command('describe <name>'))
    .description('partitions, offsets and configs of a topic')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const t = await requireTopic(client, name);
        const indexes = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
        const [earliest, latest] = await Promise.all([
          listOffsets(client, name, indexes, -2n),
          listOffsets(client, name, indexes, -1n),
        ]);
        const cfg = await client.request(ApiKey.DescribeConfigs, VERSIONS.describeConfigs, {
          resources: [{ resourceType: RESOURCE_TOPIC, resourceName: name, configurationKeys: null }],
          includeSynonyms: false,
        });
        const configs = Object.fromEntries((cfg.results[0]?.configs ?? []).map((c) => [c.name, c.value]));
        const partitions = indexes.map((p) => ({
          partition: p,
          logStartOffset: String(earliest.get(p) ?? -1n),
          highWatermark: String(latest.get(p) ?? -1n),
        }));
        if (out === 'json') {
          print(JSON.stringify({ topic: name, partitions, configs }));
          return;
        }
        print(`topic ${name}: ${partitions.length} partition(s)`);
        for (const p of partitions) print(`  partition ${p.partition}\tlog start ${p.logStartOffset}\thigh watermark ${p.highWatermark}`);
        for (const [k, v] of Object.entries(configs)) print(`  ${k}=${v ?? ''}`);
      });
    });

  bootstrap(topic.command('delete <name>'))
    .description('delete a topic')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      await withClient(flags.bootstrap, async (client) => {
        const res = await client.request(ApiKey.DeleteTopics, VERSIONS.deleteTopics, { topicNames: [name], timeoutMs: ADMIN_TIMEOUT_MS });
        const r = res.responses[0];
        if (r === undefined || r.errorCode !== ErrorCode.NONE) throw kafkaFailure(`topic delete ${name}`, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        print(out === 'json' ? JSON.stringify({ topic: name, deleted: true }) : `deleted topic ${name}`);
      });
    });
}

async function listOffsets(client: KafkaClient, topic: string, partitions: number[], timestamp: bigint): Promise<Map<number, bigint>> {
  const res = await client.request(ApiKey.ListOffsets, VERSIONS.listOffsets, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp })) }],
  });
  const out = new Map<number, bigint>();
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw kafkaFailure(`list offsets ${topic}-${p.partitionIndex}`, p.errorCode);
      out.set(p.partitionIndex, p.offset);
    }
  }
  return out;
}

// ---- produce ----

interface ProduceFlags extends ClientFlags {
  keySeparator?: string;
  partition?: string;
}

async function produceBatch(client: KafkaClient, topic: string, byPartition: Map<number, RecordInput[]>): Promise<void> {
  const res = await client.request(ApiKey.Produce, VERSIONS.produce, {
    transactionalId: null,
    acks: -1,
    timeoutMs: PRODUCE_TIMEOUT_MS,
    topicData: [{ name: topic, partitionData: [...byPartition].map(([index, records]) => ({ index, records: buildRecordBatch(records) })) }],
  });
  for (const t of res.responses) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== ErrorCode.NONE) throw kafkaFailure(`produce to ${topic}-${p.index}`, p.errorCode, p.errorMessage);
    }
  }
}

async function produce(topic: string, flags: ProduceFlags, cmd: Command): Promise<void> {
  const out = outputOf(cmd);
  const fixedPartition = parseIntFlag('--partition', flags.partition, 0, 2 ** 31 - 1);
  if (flags.keySeparator === '') throw new CliError('--key-separator: must not be empty', 2);
  await withClient(flags.bootstrap, async (client) => {
    const meta = await requireTopic(client, topic);
    const partitions = meta.partitions.length;
    if (fixedPartition !== undefined && fixedPartition >= partitions) {
      throw new CliError(`--partition ${fixedPartition}: topic ${topic} has ${partitions} partition(s)`, 2);
    }
    let pending = new Map<number, RecordInput[]>();
    let pendingRecords = 0;
    let pendingBytes = 0;
    let total = 0;
    let roundRobin = 0;
    const flush = async () => {
      if (pendingRecords === 0) return;
      await produceBatch(client, topic, pending);
      total += pendingRecords;
      pending = new Map();
      pendingRecords = 0;
      pendingBytes = 0;
      roundRobin = (roundRobin + 1) % partitions;
    };
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      let key: Uint8Array | null = null;
      let value = line;
      if (flags.keySeparator !== undefined) {
        const at = line.indexOf(flags.keySeparator);
        if (at >= 0) {
          key = encoder.encode(line.slice(0, at));
          value = line.slice(at + flags.keySeparator.length);
        }
      }
      const partition = fixedPartition ?? (key !== null ? partitionForKey(key, partitions) : roundRobin);
      const valueBytes = encoder.encode(value);
      let list = pending.get(partition);
      if (list === undefined) pending.set(partition, (list = []));
      list.push({ key, value: valueBytes });
      pendingRecords++;
      pendingBytes += valueBytes.byteLength + (key?.byteLength ?? 0);
      if (pendingRecords >= PRODUCE_BATCH_MAX_RECORDS || pendingBytes >= PRODUCE_BATCH_MAX_BYTES) await flush();
    }
    await flush();
    print(out === 'json' ? JSON.stringify({ topic, records: total }) : `produced ${total} record(s) to ${topic}`);
  });
}

// ---- consume ----

interface ConsumeFlags extends ClientFlags {
  partition?: string;
  offset: string;
  exitAtEnd?: boolean;
  max?: string;
}

async function consume(topic: string, flags: ConsumeFlags, cmd: Command): Promise<void> {
  const out = outputOf(cmd);
  const onlyPartition = parseIntFlag('--partition', flags.partition, 0, 2 ** 31 - 1);
  const max = parseIntFlag('--max', flags.max, 1);
  const start = flags.offset;
  if (start !== 'beginning' && start !== 'end' && !/^\d+$/.test(start)) {
    throw new CliError(`--offset: expected beginning, end or an offset, got ${JSON.stringify(start)}`, 2);
  }
  await withClient(flags.bootstrap, async (client) => {
    const meta = await requireTopic(client, topic);
    const all = meta.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    if (onlyPartition !== undefined && !all.includes(onlyPartition)) {
      throw new CliError(`--partition ${onlyPartition}: topic ${topic} has ${all.length} partition(s)`, 2);
    }
    const partitions = onlyPartition !== undefined ? [onlyPartition] : all;
    const offsets =
      start === 'beginning' ? await listOffsets(client, topic, partitions, -2n)
      : start === 'end' ? await listOffsets(client, topic, partitions, -1n)
      : new Map(partitions.map((p) => [p, BigInt(start)]));
    const atEnd = new Set<number>();
    let printed = 0;
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      while (!stop) {
        const res = await client.request(ApiKey.Fetch, VERSIONS.fetch, {
          replicaId: -1,
          maxWaitMs: FETCH_MAX_WAIT_MS,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [{ topic, partitions: partitions.map((p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: offsets.get(p)!, logStartOffset: -1n, partitionMaxBytes: FETCH_PARTITION_MAX_BYTES })) }],
          forgottenTopicsData: [],
          rackId: '',
        });
        if (res.errorCode !== ErrorCode.NONE) throw kafkaFailure(`fetch ${topic}`, res.errorCode);
        for (const t of res.responses) {
          for (const p of t.partitions) {
            if (p.errorCode !== ErrorCode.NONE) throw kafkaFailure(`fetch ${topic}-${p.partitionIndex}`, p.errorCode);
            let next = offsets.get(p.partitionIndex)!;
            for (const batch of iterateBatches(p.records ?? new Uint8Array(0), { truncated: 'stop' })) {
              for (const r of decodeRecords(batch.bytes)) {
                if (r.offset < next) continue;
                if (out === 'json') {
                  print(JSON.stringify({
                    topic,
                    partition: p.partitionIndex,
                    offset: String(r.offset),
                    timestamp: String(r.timestampMs),
                    key: text(r.key),
                    value: text(r.value),
                    headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
                  }));
                } else {
                  print(text(r.value) ?? '');
                }
                next = r.offset + 1n;
                printed++;
                if (max !== undefined && printed >= max) return;
              }
              // A batch can end in records compacted away or filtered: skip past its last offset.
              const last = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
              if (last > next) next = last;
            }
            offsets.set(p.partitionIndex, next);
            if (next >= p.highWatermark) atEnd.add(p.partitionIndex);
            else atEnd.delete(p.partitionIndex);
          }
        }
        if (flags.exitAtEnd && atEnd.size === partitions.length) return;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

export function registerClientCommands(program: Command): void {
  registerTopicCommands(program);
  program
    .command('produce <topic>')
    .description('produce stdin lines as records (key<sep>value with --key-separator)')
    .option('--bootstrap <host:port>', 'broker address', DEFAULT_BOOTSTRAP)
    .option('--key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('--partition <n>', 'write every record to this partition (default: by key, else round robin)')
    .action(produce);
  program
    .command('consume <topic>')
    .description('print the records of a topic')
    .option('--bootstrap <host:port>', 'broker address', DEFAULT_BOOTSTRAP)
    .option('--partition <n>', 'only this partition')
    .option('--offset <where>', 'beginning, end or an offset', 'beginning')
    .option('-e, --exit-at-end', 'exit once every partition is read to its end')
    .option('--max <n>', 'exit after this many records')
    .action(consume);
}
