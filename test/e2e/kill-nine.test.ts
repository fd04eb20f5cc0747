import { afterAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { testSeed } from '../helpers/seeded-random.js';
import { runKillNineCycles } from './kill-nine-scenario.js';

const CYCLES = 20;

describe('kill -9 under load on the local-directory store', () => {
  const dir = makeTempDir('e2e-kill9');

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it(`keeps every acknowledged record at its offset across ${CYCLES} SIGKILLs with 3 producers, never reusing an offset`, async () => {
    requireTool('kcat');
    const seed = testSeed();
    console.log(`kill -9 seed=${seed} (SLUICE_TEST_SEED=${seed} reproduces the kill schedule)`);
    const report = await runKillNineCycles({
      startBroker: () => BrokerProcess.start({ data: dir }),
      cycles: CYCLES,
      seed,
      topic: 'kill-nine',
      partitions: 4,
      runMs: { min: 200, max: 1_000 },
    });
    console.log(`kill -9: ${report.cycles} cycles, ${report.acknowledged} acknowledged records, ${report.failedSends} failed sends, ${report.elapsedMs} ms`);
    expect(report.cycles).toBe(CYCLES);
  }, 180_000);
});
