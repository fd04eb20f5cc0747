// Every example module gives byte-for-byte the same output and aggregate state in the sandbox pool
// as inline, on the fixed cases the module tests check against hand-written expectations
// (test/modules/cases.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchRecordCount, encodeBatch } from '../../../runtime/abi/batch.js';
import { InlineRunner, SandboxPool } from '../../../runtime/sandbox/index.js';
import { MODULE_CASES } from '../../modules/cases.js';
import { loadExampleModule } from '../../modules/example-modules.js';
import { exampleNames } from './fixtures.js';

describe('sandbox and inline give the same bytes for every example module', () => {
  let pool: SandboxPool;
  const inline = new InlineRunner();

  beforeAll(async () => {
    pool = await SandboxPool.start({ threads: 2 });
  });
  afterAll(async () => {
    await pool?.close();
    await inline.close();
  });

  it('has fixed cases for every module in modules/', () => {
    const names = exampleNames();
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) expect(MODULE_CASES[name], `cases for ${name}`).toBeDefined();
  });

  for (const name of exampleNames()) {
    it(`${name}: sandbox output and state equal inline, batch after batch`, async () => {
      const module = await loadExampleModule(name);
      let recordsCompared = 0;
      for (const c of MODULE_CASES[name] ?? []) {
        const ih = inline.register(module, { params: c.params });
        const sh = pool.register(module, { params: c.params });
        let inlineState: Uint8Array | null = null;
        let sandboxState: Uint8Array | null = null;
        for (const [i, batch] of c.batches.entries()) {
          const want = inline.runSync(ih, encodeBatch(batch), inlineState);
          const got = await pool.run(sh, encodeBatch(batch), sandboxState);
          expect(Buffer.from(got.output).equals(Buffer.from(want.output)), `${name} / ${c.title}: output bytes`).toBe(true);
          expect(got.state === null ? null : Buffer.from(got.state).toString('hex'), `${name} / ${c.title}: state`).toBe(
            want.state === null ? null : Buffer.from(want.state).toString('hex'),
          );
          // The count the case expects: equal bytes are not two empty batches where records were due.
          expect(batchRecordCount(got.output), `${name} / ${c.title}: records`).toBe(c.expected[i]!.length);
          recordsCompared += c.expected[i]!.length;
          inlineState = want.state;
          sandboxState = got.state;
        }
      }
      expect(recordsCompared, `${name}: records compared`).toBeGreaterThan(0);
    });
  }
});
