/** `sluice consume <topic>`: prints record values (or JSON lines) from an offset, optionally to the end. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { ErrorCode } from '../../broker/protocol/error-codes.js';
import { decodeRecords, isControlBatch, iterateBatches } from '../../broker/protocol/record-batch.js';
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
  module?: string;
  param?: string[];
}

/** A record as the printing loop sees it, before or after a module. */
interface PrintableRecord {
  offset: bigint;
  timestampMs: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

type Transform = ((records: PrintableRecord[]) => Promise<PrintableRecord[]>) & { close(): Promise<void> };

/**
 * `--module <name|file.wasm>`: this read only runs the module, in a sandbox of this process under
 * the broker's deadline; a name is fetched from the broker's registry.
 */
async function moduleTransform(bootstrap: string, spec: string, params: Record<string, string>): Promise<Transform> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { adminRequest } = await import('../admin-client.js');
  const { loadModule, encodeBatch, decodeBatch, SandboxPool } = await import('../../runtime/index.js');
  let bytes: Uint8Array;
  if (existsSync(spec)) bytes = readFileSync(spec);
  else if (spec.endsWith('.wasm')) throw new CliError(`no such module file: ${spec}`);
  else bytes = await adminRequest<Uint8Array>(bootstrap, 'GET', `/v1/modules/${encodeURIComponent(spec)}/binary`);
  const loaded = await loadModule(bytes, { name: spec });
  if (loaded.kind === 'aggregate') throw new CliError(`module ${spec} is an aggregate; consume --module runs filter, map, filter_map and array_map modules`, 2);
  const pool = await SandboxPool.start({ threads: 1 });
  const handle = pool.register(loaded, { params });
  const run = async (records: PrintableRecord[]): Promise<PrintableRecord[]> => {
    if (records.length === 0) return records;
    try {
      return decodeBatch((await pool.run(handle, encodeBatch(records))).output);
    } catch (err) {
      throw new CliError(`module ${spec} failed on offsets ${records[0]!.offset}..${records[records.length - 1]!.offset}: ${(err as Error).message}`);
    }
  };
  return Object.assign(run, { close: () => pool.close() });
}

async function consume(topic: string, flags: ConsumeFlags, cmd: Command): Promise<void> {
  const out = outputOf(cmd);
  const onlyPartition = parseIntFlag('--partition', flags.partition, 0, 2 ** 31 - 1);
  const max = parseIntFlag('--max', flags.max, 1);
  const start = flags.offset;
  let params: Record<string, string> = {};
  if (flags.param !== undefined) {
    if (flags.module === undefined) throw new CliError('--param goes with --module', 2);
    const { paramsOf } = await import('../admin-client.js');
    params = paramsOf(flags.param);
  }
  const transform = flags.module === undefined ? undefined : await moduleTransform(flags.bootstrap, flags.module, params);
  try {
    await consumeWith(topic, flags, out, onlyPartition, max, start, transform);
  } finally {
    await transform?.close();
  }
}

async function consumeWith(
  topic: string, flags: ConsumeFlags, out: 'text' | 'json', onlyPartition: number | undefined, max: number | undefined, start: string,
  transform: Transform | undefined,
): Promise<void> {
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
              // Control batches (transaction markers, a view's gap markers) hold no records to show.
              const fetched = isControlBatch(batch.header.attributes) ? [] : decodeRecords(batch.bytes).filter((r) => r.offset >= next);
              const records = transform === undefined ? fetched : await transform(fetched);
              for (const r of records) {
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
    .option('--module <name|file.wasm>', 'run this module over the records read (a registered name, or a .wasm file); nothing is attached')
    .option('--param <key=value>', 'parameter of --module (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .action(consume);
}
