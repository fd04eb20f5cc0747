import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runKillNineCycles } from './kill-nine-scenario.js';

const CYCLES = 6;

describe('kill -9 under load on S3 (s3rver)', () => {
  let s3: S3Server | undefined;

  beforeAll(async () => {
    s3 = await startS3rver('sluice-kill9');
  });

  afterAll(async () => {
    await killAllBrokers();
    await s3?.stop();
  });

  it(`keeps every acknowledged record at its offset across ${CYCLES} SIGKILLs on the same bucket`, async () => {
    requireTool('kcat');
    const seed = testSeed();
    console.log(`s3 kill -9 seed=${seed}`);
    const server = s3!;
    const report = await runKillNineCycles({
      startBroker: () => BrokerProcess.start({ bucket: `s3://${server.bucket}/k9`, s3Endpoint: server.endpoint, env: server.env }),
      cycles: CYCLES,
      seed,
      topic: 'kill-nine-s3',
      partitions: 3,
      runMs: { min: 400, max: 1_500 },
    });
    console.log(`s3 kill -9: ${report.cycles} cycles, ${report.acknowledged} acknowledged, ${report.failedSends} failed sends, ${report.elapsedMs} ms`);
    expect(report.cycles).toBe(CYCLES);
  }, 120_000);
});
