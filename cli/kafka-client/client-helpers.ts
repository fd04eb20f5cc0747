/**
 * What the client commands share: connecting, the API versions they speak, metadata and offset
 * lookups, flag parsing and output. Errors become one-line CliErrors.
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { KafkaClient, KafkaClientError } from './kafka-client.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { errorName, ErrorCode } from '../../broker/protocol/error-codes.js';
import type { MetadataResponseTopic } from '../../broker/protocol/apis/metadata.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export const VERSIONS = {
  metadata: 4,
  createTopics: 3,
  deleteTopics: 1,
  describeConfigs: 1,
  produce: 8,
  fetch: 11,
  listOffsets: 1,
  createPartitions: 1,
  deleteRecords: 1,
  incrementalAlterConfigs: 1,
  listGroups: 2,
  describeGroups: 4,
  deleteGroups: 1,
  offsetFetch: 5,
  offsetCommit: 7,
} as const;

export interface ClientFlags {
  bootstrap: string;
}

export function outputOf(cmd: Command): 'text' | 'json' {
  const o = (cmd.optsWithGlobals() as { output?: string }).output ?? 'text';
  if (o !== 'text' && o !== 'json') throw new CliError(`--output: expected text or json, got ${JSON.stringify(o)}`, 2);
  return o;
}

export function kafkaFailure(what: string, code: number, message?: string | null): CliError {
  return new CliError(`${what}: ${errorName(code)}${message ? ` (${message})` : ''}`);
}

export function parseIntFlag(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, 2);
  return n;
}

export async function withClient<T>(bootstrap: string, fn: (c: KafkaClient) => Promise<T>): Promise<T> {
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

/** Metadata of the topics named (null: all); `allowAutoCreate` lets the broker create a missing one, as a producer does. */
export async function topicMetadata(client: KafkaClient, topics: string[] | null, allowAutoCreate = false): Promise<MetadataResponseTopic[]> {
  const res = await client.request(ApiKey.Metadata, VERSIONS.metadata, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation: allowAutoCreate,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  return res.topics;
}

export async function requireTopic(client: KafkaClient, name: string, allowAutoCreate = false): Promise<MetadataResponseTopic> {
  const [t] = await topicMetadata(client, [name], allowAutoCreate);
  if (t === undefined || t.errorCode !== ErrorCode.NONE) {
    throw kafkaFailure(`topic ${name}`, t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  return t;
}

export function parseConfigPairs(pairs: string[]): { name: string; value: string }[] {
  return pairs.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`--config: expected key=value, got ${JSON.stringify(p)}`, 2);
    return { name: p.slice(0, eq), value: p.slice(eq + 1) };
  });
}

export function print(line: string): void {
  process.stdout.write(line + '\n');
}

export const decoder = new TextDecoder();
export const encoder = new TextEncoder();
export const text = (b: Uint8Array | null): string | null => (b === null ? null : decoder.decode(b));

export async function listOffsets(client: KafkaClient, topic: string, partitions: number[], timestamp: bigint): Promise<Map<number, bigint>> {
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
