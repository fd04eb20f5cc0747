import { Kafka, logLevel, type IHeaders, type KafkaConfig } from 'kafkajs';
import type { WireRecord } from './wire-record.js';
import { registerKafkajsCodecs } from './kafkajs-codecs.js';

export { Partitioners } from 'kafkajs';

// kafkajs prints a partitioner notice on every producer otherwise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** SLUICE_TEST_KAFKAJS_LOG=info|debug|warn|error turns kafkajs logging on when debugging a test. */
function testLogLevel(): logLevel {
  const name = (process.env.SLUICE_TEST_KAFKAJS_LOG ?? '').toUpperCase();
  const levels: Record<string, logLevel> = { ERROR: logLevel.ERROR, WARN: logLevel.WARN, INFO: logLevel.INFO, DEBUG: logLevel.DEBUG };
  return levels[name] ?? logLevel.NOTHING;
}

/** A kafkajs client for a test broker: quiet unless asked, short timeouts on 127.0.0.1. */
export function kafkaClient(address: string, clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  registerKafkajsCodecs();
  return new Kafka({
    clientId,
    brokers: [address],
    logLevel: testLogLevel(),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    ...overrides,
  });
}

/**
 * Creates the topic unless the broker already has it, retrying like a client would when the broker's store is
 * failing (topic creation goes through the store too); the error of the last of the attempts is thrown.
 */
export async function createTopicRetrying(kafka: Kafka, topic: string, numPartitions: number, maxAttempt = 10): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [] });
      if (metadata.topics.some((t) => t.name === topic)) break;
      await admin.createTopics({ topics: [{ topic, numPartitions }] });
    } catch (err) {
      if (attempt >= maxAttempt) throw err;
    }
  }
  await admin.disconnect();
}

/** kafkajs decodes headers into an object (insertion order kept); turn them back into a list. */
export function headersToList(headers: IHeaders | undefined): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined) continue;
      out.push([name, Buffer.isBuffer(v) ? v : Buffer.from(v)]);
    }
  }
  return out;
}

/**
 * Reads every record up to each partition's current high watermark with a kafkajs consumer group
 * (kafkajs has no group-less consumer), then leaves the group.
 */
export async function kafkajsConsumeAll(address: string, topic: string, timeoutMs = 120_000): Promise<WireRecord[]> {
  const kafka = kafkaClient(address, 'e2e-kafkajs-consumer');
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = new Map<number, bigint>(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const next = new Map<number, bigint>(offsets.map((o) => [o.partition, BigInt(o.low)]));
  const records: WireRecord[] = [];
  const done = (): boolean => [...high].every(([p, h]) => (next.get(p) ?? 0n) >= h);

  const consumer = kafka.consumer({
    groupId: `e2e-${topic}-${process.pid}-${Date.now()}`,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  // A batch kafkajs does not hand to eachBatch (only control records, or records a view left out)
  // still moves the consumer on: its end event says how far.
  let finished: (() => void) | undefined;
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const p = e.payload as { partition: number; lastOffset: string | null };
    if (p.lastOffset === null) return;
    const after = BigInt(p.lastOffset) + 1n;
    if (after > (next.get(p.partition) ?? 0n)) next.set(p.partition, after);
    if (done()) finished?.();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const progress = [...high].map(([p, h]) => `p${p}: ${next.get(p)}/${h}`).join(', ');
        reject(new Error(`kafkajs consumer timed out after ${timeoutMs} ms (${progress})`));
      }, timeoutMs);
      finished = () => {
        clearTimeout(timer);
        resolve();
      };
      if (done()) {
        finished();
        return;
      }
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset < (next.get(batch.partition) ?? 0n)) continue;
              records.push({
                partition: batch.partition,
                offset,
                timestamp: BigInt(m.timestamp),
                key: m.key ?? null,
                value: m.value ?? null,
                headers: headersToList(m.headers),
              });
              next.set(batch.partition, offset + 1n);
            }
            if (done()) finished?.();
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return records.filter((r) => r.offset < (high.get(r.partition) ?? 0n));
}
