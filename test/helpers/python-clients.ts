import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, requirePythonModules, runChecked } from './tools.js';
import type { WireRecord } from './wire-record.js';

const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python');

interface JsonRecord {
  p: number;
  o?: number;
  t: number;
  k: string | null;
  v: string | null;
  h: Array<[string, string | null]>;
}

function fromB64(s: string | null): Buffer | null {
  return s === null ? null : Buffer.from(s, 'base64');
}

function toB64(b: Buffer | null): string | null {
  return b === null ? null : b.toString('base64');
}

/** Every record of `topic` as kafka-python's KafkaConsumer with assign() sees it. */
export async function kafkaPythonConsumeAll(
  address: string,
  topic: string,
  partitions: number,
  timeoutMs = 120_000,
): Promise<WireRecord[]> {
  requirePythonModules('kafka');
  return consumeWith('kafka-python-consume.py', address, topic, partitions, timeoutMs);
}

/** Every record of `topic` as confluent-kafka-python's (librdkafka's) Consumer with assign() sees it, to each partition's end. */
export async function confluentConsumeAll(address: string, topic: string, partitions: number, timeoutMs = 120_000): Promise<WireRecord[]> {
  requirePythonModules('confluent_kafka');
  return consumeWith('confluent-consume.py', address, topic, partitions, timeoutMs);
}

async function consumeWith(script: string, address: string, topic: string, partitions: number, timeoutMs: number): Promise<WireRecord[]> {
  const { stdout } = await runChecked(
    PYTHON,
    [path.join(SCRIPTS, script), address, topic, String(partitions), String(timeoutMs / 1000 - 5)],
    { timeoutMs },
  );
  const records: WireRecord[] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as JsonRecord;
    records.push({
      partition: r.p,
      offset: BigInt(r.o ?? -1),
      timestamp: BigInt(r.t),
      key: fromB64(r.k),
      value: fromB64(r.v),
      headers: r.h.map(([k, v]) => [k, fromB64(v) ?? Buffer.alloc(0)]),
    });
  }
  return records;
}

export type ProduceInput = Pick<WireRecord, 'partition' | 'timestamp' | 'key' | 'value' | 'headers'>;

/** Produces with confluent-kafka-python; returns the (partition, offset) each record was acknowledged at. */
export async function confluentProduce(
  address: string,
  topic: string,
  records: readonly ProduceInput[],
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' = 'none',
  timeoutMs = 120_000,
  idempotent = false,
): Promise<Array<{ partition: number; offset: bigint }>> {
  requirePythonModules('confluent_kafka');
  const input = records
    .map((r) =>
      JSON.stringify({
        p: r.partition,
        t: Number(r.timestamp),
        k: toB64(r.key),
        v: toB64(r.value),
        h: r.headers.map(([k, v]) => [k, toB64(v)]),
      }),
    )
    .join('\n');
  const { stdout } = await runChecked(PYTHON, [path.join(SCRIPTS, 'confluent-produce.py'), address, topic, compression, ...(idempotent ? ['idempotent'] : [])], {
    input,
    timeoutMs,
  });
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const [p, o] = l.split(' ');
      return { partition: Number(p), offset: BigInt(o as string) };
    });
}

export type FirstUseResult = { ok: true; offsets: Array<[number, number]> } | { ok: false; error: string };

/** Produces `count` values to `topic` with confluent-kafka or kafka-python at their default settings (a new user's first produce). */
export async function firstUseProduce(client: 'confluent' | 'kafka-python', address: string, topic: string, count: number): Promise<FirstUseResult> {
  requirePythonModules(client === 'confluent' ? 'confluent_kafka' : 'kafka');
  const { stdout } = await runChecked(PYTHON, [path.join(SCRIPTS, 'first-use-produce.py'), client, address, topic, String(count)], { timeoutMs: 90_000 });
  return JSON.parse(stdout.toString('utf8').trim().split('\n').pop()!) as FirstUseResult;
}

export type ConfluentAdminResult<T = unknown> = { ok: T; error?: undefined } | { ok?: undefined; error: { code: number; name: string; message: string } };

/** One librdkafka admin call (test/helpers/python/confluent-admin.py says which go through the binding and which through ctypes). */
export async function confluentAdmin<T = unknown>(address: string, command: string, ...args: string[]): Promise<ConfluentAdminResult<T>> {
  requirePythonModules('confluent_kafka');
  const { stdout } = await runChecked(PYTHON, [path.join(SCRIPTS, 'confluent-admin.py'), address, command, ...args], { timeoutMs: 60_000 });
  return JSON.parse(stdout.toString('utf8').trim().split('\n').pop()!) as ConfluentAdminResult<T>;
}
