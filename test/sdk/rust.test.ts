// The Rust SDK (sdk/rust) through its probe module (test/sdk/modules/sdk-probe-rs), built from
// source with cargo: the behaviours every SDK shares (probe-suite.ts), Errs and panics, and text
// and numbers read and written exactly as the AssemblyScript SDK does.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from '../../runtime/build/module-build.js';
import { loadModule, type LoadedModule } from '../../runtime/module-loader.js';
import { ModuleInstance } from '../../runtime/instance.js';
import { ModuleError } from '../../runtime/module-error.js';
import type { HostRecord } from '../../runtime/abi/batch.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { itBehavesLikeEverySdk, rec, runProbe, values } from './probe-suite.js';

const dec = new TextDecoder();

let probe: LoadedModule;
let asProbe: LoadedModule;
beforeAll(async () => {
  const built = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe-rs'));
  probe = await loadModule(readFileSync(built.out));
  const asBuilt = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe'));
  asProbe = await loadModule(readFileSync(asBuilt.out));
}, 300_000);

const run = (mode: string, records: HostRecord[], module = probe): HostRecord[] => runProbe(module, mode, records);

function failure(fn: () => unknown): ModuleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModuleError) return err;
    throw err;
  }
  throw new Error('expected a ModuleError');
}

describe('Rust SDK', () => {
  itBehavesLikeEverySdk(() => probe);

  it('exports the ABI functions, a map without the state ones, and a 64 MiB memory maximum', () => {
    const functions = WebAssembly.Module.exports(probe.compiled).filter((e) => e.kind === 'function').map((e) => e.name).sort();
    expect(functions).toEqual([
      'sluice_abi_version', 'sluice_alloc', 'sluice_error_len', 'sluice_error_ptr', 'sluice_init', 'sluice_kind',
      'sluice_output_len', 'sluice_output_ptr', 'sluice_process',
    ]);
    expect(probe.kind).toBe('map');
    expect(probe.memoryMaxBytes).toBe(64 * 1024 * 1024);
  });

  it('an Err fails the batch with its message and the record offset; the instance goes on', () => {
    const inst = ModuleInstance.create(probe.compiled, { mode: 'fail' });
    const err = failure(() => inst.process([rec('ok', null, [], 1), rec('bad', null, [], 2)]));
    expect([err.kind, err.code, err.message]).toEqual(['guest-error', -1, 'bad record at offset 2 (record offset 2)']);
    expect(values(inst.process([rec('ok', null, [], 3)]).records)).toEqual(['ok']);
  });

  it('a panic fails the batch with its message, where it happened and the record offset, never a bare trap', () => {
    const inst = ModuleInstance.create(probe.compiled, { mode: 'panic' });
    expect(values(inst.process([rec('')]).records)).toEqual(['']);
    const err = failure(() => inst.process([rec('', null, [], 4), rec('xy', null, [], 5)]));
    expect(err.kind).toBe('guest-error');
    expect(err.message).toMatch(/^trap: panicked at 'index out of bounds: the len is 1 but the index is 2', \S*src\/lib\.rs:\d+:\d+ \(record offset 5\)$/);
    // A trap discards the instance: the next batch runs on a fresh one.
    expect(values(inst.process([rec('', null, [], 6)]).records)).toEqual(['']);
  });

  it('reads keys, values and header keys as text like the AssemblyScript SDK and TextDecoder: each ill-formed sequence one U+FFFD', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null }), fc.uint8Array({ maxLength: 12 }), fc.string({ maxLength: 4 })), { maxLength: 8 }), (rows) => {
        const records = rows.map(([k, v, h], i) => rec(v, k, [{ key: h, value: null }], i));
        const got = values(run('text', records));
        expect(got).toEqual(values(run('text', records, asProbe)));
        expect(got).toEqual(rows.map(([k, v, h]) => `${k === null ? 'null' : dec.decode(k)}|${dec.decode(v)}|${h};`));
      }),
      { numRuns: 200 },
    );
  });

  it('parses numbers like the AssemblyScript SDK and writes digits that read back as the same double', () => {
    const text = fc.oneof(
      fc.double().map((d) => JSON.stringify(d) ?? 'null'),
      fc.double().map((d) => d.toExponential()),
      fc.double({ min: -1e-300, max: 1e-300 }).map(String),
      fc.string({ maxLength: 8 }),
      fc.stringMatching(/^ ?[-+]?\d{0,25}(\.\d{0,25})?([eE][-+]?\d{1,4})?[a-z]?$/),
    );
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 16 }), (texts) => {
        const records = texts.map((t, i) => rec(t, null, [], i));
        const got = values(run('number', records));
        expect(got).toEqual(values(run('number', records, asProbe)));
        for (const line of got) {
          const [written, bits] = line!.split('|') as [string, string];
          const parsed = new Float64Array(new BigUint64Array([BigInt(`0x${bits}`)]).buffer)[0]!;
          if (!Number.isFinite(parsed)) expect(written).toBe('null');
          else expect(Object.is(Number(written), parsed === 0 ? 0 : parsed)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
