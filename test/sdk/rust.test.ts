// The Rust SDK (sdk/rust) through its probe module (test/sdk/modules/sdk-probe-rs), built from
// source with cargo: the same behaviours test/sdk/assemblyscript.test.ts checks, the panics Rust
// adds, and text and numbers read and written exactly as the AssemblyScript SDK does.
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

const enc = new TextEncoder();
const dec = new TextDecoder();
const rec = (value: string | Uint8Array | null, key: string | Uint8Array | null = null, headers: HostRecord['headers'] = [], offset = 0): HostRecord => ({
  offset: BigInt(offset),
  timestampMs: 100n,
  key: typeof key === 'string' ? enc.encode(key) : key,
  value: typeof value === 'string' ? enc.encode(value) : value,
  headers,
});
const values = (rs: HostRecord[]): (string | null)[] => rs.map((r) => (r.value === null ? null : dec.decode(r.value)));

let probe: LoadedModule;
let asProbe: LoadedModule;
beforeAll(async () => {
  const built = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe-rs'));
  probe = await loadModule(readFileSync(built.out));
  const asBuilt = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe'));
  asProbe = await loadModule(readFileSync(asBuilt.out));
}, 300_000);

const run = (mode: string, records: HostRecord[], module = probe): HostRecord[] => ModuleInstance.create(module.compiled, { mode }).process(records).records;

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
  it('builds a module whose only import is sluice.log (it logs) and that exports the ABI', () => {
    expect(WebAssembly.Module.imports(probe.compiled)).toEqual([{ module: 'sluice', name: 'log', kind: 'function' }]);
    const functions = WebAssembly.Module.exports(probe.compiled).filter((e) => e.kind === 'function').map((e) => e.name).sort();
    expect(functions).toEqual([
      'sluice_abi_version', 'sluice_alloc', 'sluice_error_len', 'sluice_error_ptr', 'sluice_init', 'sluice_kind',
      'sluice_output_len', 'sluice_output_ptr', 'sluice_process',
    ]);
    expect(probe.kind).toBe('map');
    expect(probe.memoryMaxBytes).toBe(64 * 1024 * 1024);
  });

  it('reads and rewrites key, timestamp and headers', () => {
    const [out] = run('headers', [rec('v', 'key1', [{ key: 'a', value: enc.encode('1') }, { key: 'b', value: null }])]);
    expect(dec.decode(out!.key!)).toBe('k:key1');
    expect(out!.timestampMs).toBe(101n);
    expect(dec.decode(out!.value!)).toBe('a=1;b=null;|1');
    expect(out!.headers).toEqual([{ key: 'a', value: enc.encode('1') }, { key: 'b', value: null }, { key: 'seen', value: enc.encode('1') }]);
    const [nokey] = run('headers', [rec('v')]);
    expect(dec.decode(nokey!.key!)).toBe('none');
  });

  it('sets null key, value and headers', () => {
    const [out] = run('null', [rec('v', 'k', [{ key: 'a', value: null }])]);
    expect(out).toEqual({ offset: 0n, timestampMs: 100n, key: null, value: null, headers: [{ key: 'x', value: null }] });
  });

  it('writes JSON with escapes, integral numbers without fraction, NaN as null', () => {
    const [out] = run('writer', [rec('{"in":1}')]);
    expect(dec.decode(out!.value!)).toBe('{"s":"q\\"b\\\\n\\n\\t\\u0001é😀","nums":[1.5,3,-2,null,9007199254740993],"b":true,"n":null,"o":{"e":[]},"raw":{"in":1}}');
  });

  it('looks up top-level fields: strings unescaped (surrogate pairs too), numbers, other values raw', () => {
    expect(
      values(run('unescape', [
        rec('{"s":"a\\u00e9\\n\\"x\\ud83d\\ude00"}'),
        rec('{"t":{"s":"nested"},"s":2.5}'),
        rec('{"s":[1,{"s":2}]}'),
        rec('{"x":1}'),
        rec('["s"]'),
        rec(null),
      ])),
    ).toEqual(['string:aé\n"x😀:7', 'number:5', 'raw:[1,{"s":2}]:4', 'absent', 'absent', 'absent']);
  });

  it('iterates the top-level fields of an object', () => {
    expect(values(run('keys', [rec('{"a":1,"b\\u0041":"x","c":{"d":[]},"e":null}'), rec('7')]))).toEqual(['a@2,bA@1,c@3,e@7,', 'not-object']);
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

  it('rejects params from init with the guest message', () => {
    expect(() => ModuleInstance.create(probe.compiled, {})).toThrow('init failed: param mode is required');
  });

  it('logs through sluice.log when used', () => {
    const lines: string[] = [];
    const inst = ModuleInstance.create(probe.compiled, { mode: 'log' }, { onLog: (l, m) => lines.push(`${l}:${m}`) });
    inst.process([rec('a'), rec('b')]);
    expect(lines).toEqual(['info:saw a', 'info:saw b']);
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
