import { afterAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runDerivedKillNine } from './derived-kill-nine-scenario.js';

const CYCLES = 10;

describe('derived topics under kill -9 on the local-directory store', () => {
  const dir = makeTempDir('e2e-derived-kill9');

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it(`hold exactly the chain's output over the source after each of ${CYCLES} SIGKILLs under a producer`, async () => {
    requireTool('kcat');
    const seed = testSeed();
    console.log(`derived kill -9 seed=${seed} (SLUICE_TEST_SEED=${seed} reproduces the schedule)`);
    const report = await runDerivedKillNine({
      startBroker: (port) => BrokerProcess.start({ data: dir, ...(port !== undefined ? { port } : {}) }),
      cycles: CYCLES,
      seed,
      runMs: { min: 200, max: 1_000 },
    });
    console.log(`derived kill -9: ${report.cycles} cycles, ${report.sourceRecords} source records`);
    expect(report.sourceRecords).toBeGreaterThan(0);
  }, 300_000);
});
