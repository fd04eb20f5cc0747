/** `sluice consume <topic>`: prints record values (or JSON lines) from an offset, optionally to the end. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import { decodeRecords, iterateBatches } from '../../broker/protocol/record-batch.js';
import {
  VERSIONS,
  type ClientFlags,
  outputOf,
  kafkaFailure,
  parseIntFlag,
  withClient,
  requireTopic,
  print,
  listOffsets,
  text,
} from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

const FETCH_MAX_WAIT_MS = 500;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const FETCH_PARTITION_MAX_BYTES = 4 * 1024 * 1024;

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

export function registerConsumeCommand(program: Command): void {
  withBootstrap(program.command('consume <topic>'))
    .description('print the records of a topic')
    .option('--partition <n>', 'only this partition')
    .option('--offset <where>', 'beginning, end or an offset', 'beginning')
    .option('-e, --exit-at-end', 'exit once every partition is read to its end')
    .option('--max <n>', 'exit after this many records')
    .action(consume);
}
