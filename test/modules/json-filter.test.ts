import { describe, expect, it } from 'vitest';
import { ModuleInstance } from '../../runtime/instance.js';
import { loadExampleModule } from './example-modules.js';
import { itBuildsAndLoadsAs, itPassesModuleCases } from './module-suite.js';

const dec = new TextDecoder();

describe('modules/json-filter', () => {
  itBuildsAndLoadsAs('json-filter', 'filter');

  // Instantiation time (target <= 5 ms) is a figure of bench/runtime-bench.ts, not a unit test.
  it('instantiates with its params, each instance on its own', async () => {
    const m = await loadExampleModule('json-filter');
    const enc = new TextEncoder();
    const batch = ['error', 'warn', 'info'].map((level, i) => ({ offset: BigInt(i), timestampMs: 0n, key: null, value: enc.encode(JSON.stringify({ level, sev: level })), headers: [] }));
    const errors = ModuleInstance.create(m.compiled, { field: 'level', value: 'error' });
    const warns = ModuleInstance.create(m.compiled, { field: 'sev', value: 'warn' });
    expect(errors.process(batch).records.map((r) => r.offset)).toEqual([0n]);
    expect(warns.process(batch).records.map((r) => r.offset)).toEqual([1n]);
    expect(errors.process(batch).records.map((r) => r.offset)).toEqual([0n]);
  }, 180_000);

  it('gives the same answer as a JavaScript filter over batches of changing sizes on one instance', async () => {
    const m = await loadExampleModule('json-filter');
    const inst = ModuleInstance.create(m.compiled, {});
    const enc = new TextEncoder();
    let offset = 0;
    for (const size of [1, 300, 2, 1000, 0, 5, 4096, 3]) {
      const batch = Array.from({ length: size }, () => {
        const o = offset++;
        const level = ['error', 'info', 'warn'][(o * 7) % 3]!;
        return { offset: BigInt(o), timestampMs: BigInt(o), key: null, value: enc.encode(JSON.stringify({ i: o, level, pad: 'x'.repeat(o % 50) })), headers: [] };
      });
      const kept = inst.process(batch).records.map((r) => Number(r.offset));
      const expected = batch.filter((r) => JSON.parse(dec.decode(r.value!)).level === 'error').map((r) => Number(r.offset));
      expect(kept).toEqual(expected);
    }
  }, 180_000);

  itPassesModuleCases('json-filter');
});
