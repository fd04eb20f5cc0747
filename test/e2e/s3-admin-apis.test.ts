import { afterAll, beforeAll, describe, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import { runAdminScenario } from './admin-scenario.js';

describe('the admin APIs from real clients, on S3 (s3rver)', () => {
  let s3: S3Server | undefined;

  beforeAll(async () => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka', 'lz4');
    s3 = await startS3rver('sluice-admin');
  });

  afterAll(async () => {
    await killAllBrokers();
    await s3?.stop();
  });

  it('kafkajs and librdkafka get Kafka’s answers and codes, and every change survives kill -9 and a restart', async () => {
    const server = s3!;
    let last: BrokerProcess | undefined;
    try {
      await runAdminScenario(async () => (last = await BrokerProcess.start({ bucket: `s3://${server.bucket}/admin`, s3Endpoint: server.endpoint, env: server.env })));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${last?.output() ?? ''}`, { cause: err });
    }
  }, 240_000);
});
