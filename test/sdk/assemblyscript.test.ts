import path from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from '../../runtime/build/module-build.js';
import { loadModule, type LoadedModule } from '../../runtime/module-loader.js';
import { ModuleInstance } from '../../runtime/instance.js';
import { ModuleError } from '../../runtime/module-error.js';
import type { HostRecord } from '../../runtime/abi/batch.js';
import { REPO_ROOT } from '../helpers/repo.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const rec = (value: string | null, key: string | null = null, headers: HostRecord['headers'] = [], offset = 0): HostRecord => ({
  offset: BigInt(offset), timestampMs: 100n, key: key === null ? null : enc.encode(key), value: value === null ? null : enc.encode(value), headers,
});
const values = (rs: HostRecord[]): (string | null)[] => rs.map((r) => (r.value === null ? null : dec.decode(r.value)));

let probe: LoadedModule;
beforeAll(async () => {
  const built = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe'));
  probe = await loadModule(readFileSync(built.out));
}, 180_000);

const run = (mode: string, records: HostRecord[], extra: Record<string, string> = {}): HostRecord[] =>
  ModuleInstance.create(probe.compiled, { mode, ...extra }).process(records).records;

describe('AssemblyScript SDK', () => {
  it('builds a module whose only import is sluice.log (it logs) and that exports exactly the ABI', () => {
    expect(WebAssembly.Module.imports(probe.compiled)).toEqual([{ module: 'sluice', name: 'log', kind: 'function' }]);
    expect(WebAssembly.Module.exports(probe.compiled).map((e) => e.name).sort()).toEqual([
      'memory', 'sluice_abi_version', 'sluice_alloc', 'sluice_error_len', 'sluice_error_ptr', 'sluice_init', 'sluice_kind',
      'sluice_output_len', 'sluice_output_ptr', 'sluice_process', 'sluice_state_len', 'sluice_state_ptr',
    ]);
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
    const text = dec.decode(out!.value!);
    expect(text).toBe('{"s":"q\\"b\\\\n\\n\\t\\u0001é😀","nums":[1.5,3,-2,null,9007199254740993],"b":true,"n":null,"o":{"e":[]},"raw":{"in":1}}');
    expect(JSON.parse(text).s).toBe('q"b\\n\n\t\u0001é😀');
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

  it('fail() fails the batch with its message; the next batch runs on a fresh instance', () => {
    const inst = ModuleInstance.create(probe.compiled, { mode: 'fail' });
    let err: unknown;
    try {
      inst.process([rec('ok', null, [], 1), rec('bad', null, [], 2)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModuleError);
    expect((err as ModuleError).kind).toBe('guest-error');
    expect((err as ModuleError).message).toBe('trap: bad record at offset 2');
    expect(values(inst.process([rec('ok', null, [], 3)]).records)).toEqual(['ok']);
  });

  it("routes AssemblyScript's aborts to the error message instead of an env.abort import", () => {
    const inst = ModuleInstance.create(probe.compiled, { mode: 'abort' });
    expect(values(inst.process([rec('')]).records)).toEqual(['']);
    let err: unknown;
    try {
      inst.process([rec('xy')]);
    } catch (e) {
      err = e;
    }
    expect((err as ModuleError).message).toMatch(/^trap: Index out of range at ~lib\/array\.ts:\d+:\d+$/);
  });

  it('rejects params from init with the guest message', () => {
    expect(() => ModuleInstance.create(probe.compiled, {})).toThrow('init failed: param mode is required');
  });

  it('logs through sluice.log when used', async () => {
    const lines: string[] = [];
    const inst = ModuleInstance.create(probe.compiled, { mode: 'log' }, { onLog: (l, m) => lines.push(`${l}:${m}`) });
    inst.process([rec('a'), rec('b')]);
    expect(lines).toEqual(['info:saw a', 'info:saw b']);
  });
});
