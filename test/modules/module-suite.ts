/** The tests every example module gets: it builds and loads as its kind, and it passes its cases in cases.ts. */
import { expect, it } from 'vitest';
import { ModuleInstance } from '../../runtime/instance.js';
import { encodeBatch, decodeBatch } from '../../runtime/abi/batch.js';
import type { ModuleKind } from '../../runtime/module-loader.js';
import { MODULE_CASES } from './cases.js';
import { loadExampleModule } from './example-modules.js';

const dec = new TextDecoder();
const text = (b: Uint8Array | null): string | null => (b === null ? null : dec.decode(b));

export function itBuildsAndLoadsAs(name: string, kind: ModuleKind): void {
  it(`builds from source and loads as a ${kind} module`, async () => {
    const m = await loadExampleModule(name);
    expect(m.kind).toBe(kind);
    expect(WebAssembly.Module.imports(m.compiled)).toEqual([]);
  }, 180_000);
}

/** The fixed cases of `casesOf` (a Rust twin passes its AssemblyScript twin's cases). */
export function itPassesModuleCases(name: string, casesOf = name): void {
  for (const c of MODULE_CASES[casesOf]!) {
    it(c.title, async () => {
      const m = await loadExampleModule(name);
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
}
