import { afterAll, beforeAll, describe, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import { runAdminScenario } from './admin-scenario.js';

describe('the admin APIs from real clients, on the local-directory store', () => {
  let dir: string | undefined;

  beforeAll(() => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka', 'lz4');
    dir = makeTempDir('e2e-admin');
  });

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it('kafkajs and librdkafka get Kafka’s answers and codes, and every change survives kill -9 and a restart', async () => {
    let last: BrokerProcess | undefined;
    try {
      await runAdminScenario(async () => (last = await BrokerProcess.start({ data: dir })));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${last?.output() ?? ''}`, { cause: err });
    }
  }, 240_000);
});
