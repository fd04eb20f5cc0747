import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../broker/broker.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { attach, createTopic, fetchAll, produce, registerModule, valuesBatch } from './record-path-helpers.js';

let dir: string;
let broker: RunningBroker;
let client: KafkaClient;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = makeTempDir('attachment-metrics');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  broker = await startBroker(parseBrokerConfig({ port: 0, data: dir, metricsPort: 0, flushIntervalMs: 2 }), { logger: pino({ level: 'info' }, sink) });
  client = await KafkaClient.connect(`127.0.0.1:${broker.port}`);
});
afterAll(async () => {
  client?.close();
  await broker?.close();
  removeTempDir(dir);
});

describe('attachments on the metrics endpoint and in the log', () => {
  it('counts records in and out, errors by kind and call latency per attachment, and logs each error with its place', async () => {
    const address = `127.0.0.1:${broker.port}`;
    await registerModule(address, 'trap');
    await createTopic(client, 'src', 1);
    await produce(client, 'src', 0, valuesBatch(['a', 'boom', 'b', 'c']));
    expect((await attach(address, { kind: 'view', module: 'trap', topic: 'src', as: 'safe' })).status).toBe(201);
    expect((await fetchAll(client, 'safe', 0)).records.map((r) => r.value)).toEqual(['a', 'b', 'c']);
    const text = await (await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`)).text();
    expect(text).toContain('sluice_attachment_records_in_total{attachment="safe",kind="view"} 4');
    expect(text).toContain('sluice_attachment_records_out_total{attachment="safe",kind="view"} 3');
    expect(text).toContain('sluice_attachment_errors_total{attachment="safe",kind="view",error="trap"} 1');
    expect(text).toMatch(/sluice_attachment_batch_seconds_count\{attachment="safe",kind="view"\} [1-9]/);
    const logged = logLines.filter((l) => l['msg'] === 'view skipped records its module failed on');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ view: 'safe', topic: 'src', partition: 0, offset: '1', lastOffset: '1', kind: 'trap' });
  });
});
