import { describe, expect, it } from 'vitest';
import { ModuleInstance } from '../../runtime/instance.js';
import { encodeBatch, decodeBatch } from '../../runtime/abi/batch.js';
import { MODULE_CASES } from './cases.js';
import { loadExampleModule } from './example-modules.js';

const dec = new TextDecoder();
const text = (b: Uint8Array | null): string | null => (b === null ? null : dec.decode(b));

describe('modules/json-filter', () => {
  it('builds from source and loads as a filter module', async () => {
    const m = await loadExampleModule('json-filter');
    expect(m.kind).toBe('filter');
    expect(WebAssembly.Module.imports(m.compiled)).toEqual([]);
  }, 180_000);

  it('instantiates (create + init) within 5 ms', async () => {
    const m = await loadExampleModule('json-filter');
    ModuleInstance.create(m.compiled, {}); // warm-up
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      ModuleInstance.create(m.compiled, { field: 'level', value: 'error' });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    expect(times[10]!).toBeLessThanOrEqual(5);
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

  for (const c of MODULE_CASES['json-filter']!) {
    it(c.title, async () => {
      const m = await loadExampleModule('json-filter');
      const inst = ModuleInstance.create(m.compiled, c.params);
      let state: Uint8Array | null = null;
      c.batches.forEach((batch, i) => {
        const result = inst.processEncoded(encodeBatch(batch), state);
        state = result.state;
        const out = decodeBatch(result.output);
        expect(out.map((r) => [Number(r.offset), text(r.key), text(r.value)])).toEqual(c.expected[i]);
        // Everything but the value is the source record's: timestamp and headers pass through.
        for (const r of out) {
          const src = batch.find((s) => s.offset === r.offset)!;
          expect(r.timestampMs).toBe(src.timestampMs);
          expect(r.headers).toEqual(src.headers);
        }
      });
    }, 180_000);
  }
});
