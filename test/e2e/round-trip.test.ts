import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runRoundTrip, totalRecords, type RoundTripCounts } from './round-trip-scenario.js';

const COUNTS: RoundTripCounts = { kafkajsPlain: 35_000, kafkajsGzip: 20_000, kcatPerCodecPartition: 1_500, confluent: 9_000 };

describe('round trip across Kafka clients on the local-directory store', () => {
  let dir: string | undefined;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka', 'lz4', 'snappy', 'zstandard');
    dir = makeTempDir('e2e-round-trip');
    broker = await BrokerProcess.start({ data: dir });
  });

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it(`round-trips ${totalRecords(COUNTS).toLocaleString('en')} records over 6 partitions byte for byte (kafkajs, kcat, confluent-kafka → kcat, kafkajs, kafka-python)`, async () => {
    const seed = testSeed();
    console.log(`round trip seed=${seed} (SLUICE_TEST_SEED=${seed} reproduces the data)`);
    try {
      const report = await runRoundTrip(broker!.address, 'round-trip', COUNTS, seed);
      console.log(`round trip: ${report.total} records, produce ${report.produceMs} ms, consume ${JSON.stringify(report.consumeMs)} ms`);
      expect(report.total).toBe(100_000);
      // The data survives a clean restart too: SIGTERM flushes and exits 0.
      expect(await broker!.stop()).toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nseed=${seed}\n${broker?.output() ?? ''}`, { cause: err });
    }
  }, 240_000);
});
