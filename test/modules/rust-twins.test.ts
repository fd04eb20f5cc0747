// Every Rust example module gives byte for byte the output (and aggregate state) of its
// AssemblyScript twin: inline and in the sandbox, over generated batches (twin-records.ts).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type HostRecord } from '../../runtime/abi/batch.js';
import { ModuleInstance } from '../../runtime/instance.js';
import { ModuleError } from '../../runtime/module-error.js';
import type { LoadedModule } from '../../runtime/module-loader.js';
import { SandboxPool } from '../../runtime/sandbox/index.js';
import { loadExampleModule } from './example-modules.js';
import { batchOf } from './twin-records.js';

/** Each example with the param sets it is compared under. */
const TWINS: { name: string; params: Record<string, string>[] }[] = [
  { name: 'json-filter', params: [{}, { field: 'code', value: '503' }, { field: 's', value: 'é' }, { field: 'amount', value: '1' }, { field: 'ünï', value: 'ß' }] },
  { name: 'json-map', params: [{ fields: 'user,level,missing', upper: 'level' }, { upper: 's' }, {}, { fields: ' s , amount,,', upper: 's' }, { upper: 'ünï' }] },
  { name: 'json-filter-map', params: [{ field: 'amount', min: '10' }, { field: 'user' }, { field: 'amount', min: '-1e3' }, { field: 's', min: '0' }] },
  { name: 'json-split', params: [{}, { field: 'items' }, { field: 'user' }] },
  { name: 'count-sum', params: [{}, { field: 'n' }, { field: 'value' }] },
];

const RUNS_INLINE = 150;
const RUNS_SANDBOX = 25;

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

/** The output and state of one batch, or the error, as comparable values. */
function outcome(inst: ModuleInstance, input: Uint8Array, state: Uint8Array | null): { output: string | null; state: string | null; error: string | null } {
  try {
    const r = inst.processEncoded(input, state);
    return { output: hex(r.output), state: hex(r.state), error: null };
  } catch (err) {
    if (err instanceof ModuleError) return { output: null, state: null, error: `${err.code}` };
    throw err;
  }
}

const modules = new Map<string, { as: LoadedModule; rs: LoadedModule }>();

beforeAll(async () => {
  for (const { name } of TWINS) modules.set(name, { as: await loadExampleModule(name), rs: await loadExampleModule(`${name}-rs`) });
}, 300_000);

describe('Rust example modules and their AssemblyScript twins', () => {
  for (const { name, params } of TWINS) {
    it(`${name}-rs loads as a ${name} module does, and refuses and accepts the same params`, () => {
      const { as, rs } = modules.get(name)!;
      expect(rs.kind).toBe(as.kind);
      expect(WebAssembly.Module.imports(rs.compiled)).toEqual([]);
      for (const p of [...params, { min: 'abc', field: 'x' }, { min: '' }]) {
        const made = (m: LoadedModule): string => {
          try {
            ModuleInstance.create(m.compiled, p);
            return 'ok';
          } catch (err) {
            return (err as Error).message;
          }
        };
        expect(made(rs), JSON.stringify(p)).toBe(made(as));
      }
    });

    it(`${name}-rs gives the same bytes as ${name} inline, batch after batch`, () => {
      const { as, rs } = modules.get(name)!;
      fc.assert(
        fc.property(fc.constantFrom(...params), fc.array(batchOf(0n), { minLength: 1, maxLength: 3 }), (p, batches) => {
          const a = ModuleInstance.create(as.compiled, p);
          const r = ModuleInstance.create(rs.compiled, p);
          let stateA: Uint8Array | null = null;
          let stateR: Uint8Array | null = null;
          for (const batch of batches) {
            const input = encodeBatch(batch);
            const want = outcome(a, input, stateA);
            const got = outcome(r, input, stateR);
            expect(got).toEqual(want);
            if (want.state !== null) {
              stateA = Buffer.from(want.state, 'hex');
              stateR = Buffer.from(got.state!, 'hex');
            }
          }
        }),
        { numRuns: RUNS_INLINE },
      );
    }, 120_000);
  }

  it('json-map-rs upper-cases every Unicode scalar value as json-map does', () => {
    const { as, rs } = modules.get('json-map')!;
    const a = ModuleInstance.create(as.compiled, { upper: 's' });
    const r = ModuleInstance.create(rs.compiled, { upper: 's' });
    const enc = new TextEncoder();
    let compared = 0;
    for (let start = 0; start < 0x110000; start += 4096) {
      const batch: HostRecord[] = [];
      for (let cp = start; cp < start + 4096 && cp < 0x110000; cp++) {
        if (cp >= 0xd800 && cp < 0xe000) continue;
        batch.push({ offset: BigInt(cp), timestampMs: 0n, key: null, value: enc.encode(`{"s":"${String.fromCodePoint(cp).replace(/["\\\u0000-\u001f]/, ' ')}"}`), headers: [] });
      }
      const input = encodeBatch(batch);
      const want = a.processEncoded(input, null).output;
      const got = r.processEncoded(input, null).output;
      if (!Buffer.from(got).equals(Buffer.from(want))) {
        const wr = decodeBatch(want);
        const gr = decodeBatch(got);
        const i = wr.findIndex((w, j) => !Buffer.from(w.value!).equals(Buffer.from(gr[j]!.value!)));
        expect(`U+${wr[i]!.offset.toString(16)}: ${Buffer.from(gr[i]!.value!).toString()}`).toBe(`U+${wr[i]!.offset.toString(16)}: ${Buffer.from(wr[i]!.value!).toString()}`);
      }
      compared += batch.length;
    }
    expect(compared).toBe(0x110000 - 0x800);
  }, 120_000);

  describe('in the sandbox', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      pool = await SandboxPool.start({ threads: 2 });
    });
    afterAll(async () => {
      await pool?.close();
    });

    for (const { name, params } of TWINS) {
      it(`${name}-rs in the sandbox gives the bytes ${name} gives inline`, async () => {
        const { as, rs } = modules.get(name)!;
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...params), batchOf(100n, 64), async (p, batch) => {
            const input = encodeBatch(batch);
            const want = ModuleInstance.create(as.compiled, p).processEncoded(input, null);
            const got = await pool.run(pool.register(rs, { params: p }), input.slice(), null);
            expect(hex(got.output)).toBe(hex(want.output));
            expect(hex(got.state)).toBe(hex(want.state));
          }),
          { numRuns: RUNS_SANDBOX },
        );
      }, 120_000);
    }
  });
});
