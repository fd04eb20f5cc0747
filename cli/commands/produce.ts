/** `sluice produce <topic>`: stdin lines become records, keyed with --key-separator. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { KafkaClient } from '../kafka-client/kafka-client.js';
import { partitionForKey } from '../kafka-client/partitioner.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import { buildRecordBatch, type RecordInput } from '../../broker/protocol/record-batch.js';
import {
  VERSIONS,
  type ClientFlags,
  outputOf,
  kafkaFailure,
  parseIntFlag,
  withClient,
  requireTopic,
  print,
  encoder,
} from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

/** Records per produce request from stdin: large enough to amortize a flush, small enough to stream. */
const PRODUCE_BATCH_MAX_RECORDS = 1000;
const PRODUCE_BATCH_MAX_BYTES = 512 * 1024;
const PRODUCE_TIMEOUT_MS = 30_000;

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
    // As Kafka's console producer: a topic not there yet is created on first use, if the broker allows it.
    const meta = await requireTopic(client, topic, true);
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

export function registerProduceCommand(program: Command): void {
  withBootstrap(program.command('produce <topic>'))
    .description('produce stdin lines as records (key<sep>value with --key-separator)')
    .option('--key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('--partition <n>', 'write every record to this partition (default: by key, else round robin)')
    .action(produce);
}
