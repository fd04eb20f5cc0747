import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runDerivedKillNine } from './derived-kill-nine-scenario.js';

const CYCLES = 10;

describe('derived topics under kill -9 on S3 (s3rver)', () => {
  let s3: S3Server | undefined;

  beforeAll(async () => {
    s3 = await startS3rver('sluice-derived-kill9');
  });

  afterAll(async () => {
    await killAllBrokers();
    await s3?.stop();
  });

  it(`hold exactly the chain's output over the source after each of ${CYCLES} SIGKILLs on the same bucket`, async () => {
    requireTool('kcat');
    const seed = testSeed();
    console.log(`s3 derived kill -9 seed=${seed}`);
    const server = s3!;
    const report = await runDerivedKillNine({
      startBroker: (port) => BrokerProcess.start({ bucket: `s3://${server.bucket}/dk9`, s3Endpoint: server.endpoint, env: server.env, ...(port !== undefined ? { port } : {}) }),
      cycles: CYCLES,
      seed,
      runMs: { min: 300, max: 1_200 },
    });
    console.log(`s3 derived kill -9: ${report.cycles} cycles, ${report.sourceRecords} source records`);
    expect(report.sourceRecords).toBeGreaterThan(0);
  }, 300_000);
});
