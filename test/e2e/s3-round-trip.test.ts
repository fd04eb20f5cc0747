import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { requirePythonModules, requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runRoundTrip, totalRecords, type RoundTripCounts } from './round-trip-scenario.js';

/** A fifth of the local run: s3rver writes every object through its own filesystem store. */
const COUNTS: RoundTripCounts = { kafkajsPlain: 7_000, kafkajsGzip: 4_000, kcatPerCodecPartition: 300, confluent: 1_800 };

describe('round trip across Kafka clients on S3 (s3rver)', () => {
  let s3: S3Server | undefined;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    requireTool('kcat');
    requirePythonModules('kafka', 'confluent_kafka', 'lz4', 'snappy', 'zstandard');
    s3 = await startS3rver('sluice-round-trip');
    broker = await BrokerProcess.start({ bucket: `s3://${s3.bucket}/rt`, s3Endpoint: s3.endpoint, env: s3.env });
  });

  afterAll(async () => {
    await killAllBrokers();
    await s3?.stop();
  });

  it(`round-trips ${totalRecords(COUNTS).toLocaleString('en')} records over 6 partitions byte for byte through the S3 store`, async () => {
    const seed = testSeed();
    console.log(`s3 round trip seed=${seed}`);
    try {
      const report = await runRoundTrip(broker!.address, 'round-trip-s3', COUNTS, seed);
      console.log(`s3 round trip: ${report.total} records, produce ${report.produceMs} ms, consume ${JSON.stringify(report.consumeMs)} ms`);
      expect(report.total).toBe(20_000);
      expect(await broker!.stop()).toBe(0);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nseed=${seed}\n${broker?.output() ?? ''}`, { cause: err });
    }
  }, 180_000);
});
