import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startBroker } from '../../broker/broker.js';
import { parseBrokerConfig } from '../../broker/config.js';
import { ApiKey } from '../../broker/protocol/api-keys.js';
import { buildRecordBatch } from '../../broker/protocol/record-batch.js';
import { KafkaClient } from '../../cli/kafka-client/kafka-client.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const dir = makeTempDir('broker');
afterAll(() => removeTempDir(dir));

describe('startBroker', () => {
  it('serves Prometheus metrics for requests, records and object traffic when a metrics port is set', async () => {
    const broker = await startBroker(parseBrokerConfig({ port: 0, metricsPort: 0, data: dir, flushIntervalMs: 1 }), { logger: pino({ level: 'silent' }) });
    try {
      expect(broker.metricsPort).toBeGreaterThan(0);
      const c = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
      await c.request(ApiKey.CreateTopics, 3, { topics: [{ name: 'mx', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
      const records = buildRecordBatch([1, 2, 3].map((i) => ({ key: null, value: new TextEncoder().encode(`v${i}`) })));
      await c.request(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: 'mx', partitionData: [{ index: 0, records }] }] });
      await c.request(ApiKey.Fetch, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'mx', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      c.close();
      const text = await (await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`)).text();
      expect(text).toMatch(/sluice_records_in_total\{topic="mx"\} 3/);
      expect(text).toMatch(/sluice_records_out_total\{topic="mx"\} 3/);
      expect(text).toMatch(/sluice_kafka_requests_total\{api="Produce",outcome="answered"\} 1/);
      expect(text).toMatch(/sluice_produce_requests_total\{outcome="ok"\} 1/);
      expect(text).toMatch(/sluice_object_/);
    } finally {
      await broker.close();
    }
  });
});
