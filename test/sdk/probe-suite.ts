/**
 * What every SDK's probe module (test/sdk/modules/sdk-probe, sdk-probe-rs) must do alike: the
 * behaviours both test/sdk/assemblyscript.test.ts and test/sdk/rust.test.ts check.
 */
import { expect, it } from 'vitest';
import { ModuleInstance } from '../../runtime/instance.js';
import type { LoadedModule } from '../../runtime/module-loader.js';
import type { HostRecord } from '../../runtime/abi/batch.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const rec = (value: string | Uint8Array | null, key: string | Uint8Array | null = null, headers: HostRecord['headers'] = [], offset = 0): HostRecord => ({
  offset: BigInt(offset),
  timestampMs: 100n,
  key: typeof key === 'string' ? enc.encode(key) : key,
  value: typeof value === 'string' ? enc.encode(value) : value,
  headers,
});

export const values = (rs: HostRecord[]): (string | null)[] => rs.map((r) => (r.value === null ? null : dec.decode(r.value)));

export const runProbe = (probe: LoadedModule, mode: string, records: HostRecord[]): HostRecord[] =>
  ModuleInstance.create(probe.compiled, { mode }).process(records).records;

/** The shared tests, for the probe `probe()` returns once the suite's beforeAll has built it. */
export function itBehavesLikeEverySdk(probe: () => LoadedModule): void {
  const run = (mode: string, records: HostRecord[]) => runProbe(probe(), mode, records);

  it('imports only sluice.log (the probe logs)', () => {
    expect(WebAssembly.Module.imports(probe().compiled)).toEqual([{ module: 'sluice', name: 'log', kind: 'function' }]);
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

  it('rejects params from init with the guest message', () => {
    expect(() => ModuleInstance.create(probe().compiled, {})).toThrow('init failed: param mode is required');
  });

  it('logs through sluice.log when used', () => {
    const lines: string[] = [];
    const inst = ModuleInstance.create(probe().compiled, { mode: 'log' }, { onLog: (l, m) => lines.push(`${l}:${m}`) });
    inst.process([rec('a'), rec('b')]);
    expect(lines).toEqual(['info:saw a', 'info:saw b']);
  });
}
