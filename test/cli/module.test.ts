import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, SLUICE_BIN } from '../helpers/repo.js';
import { runProcess } from '../helpers/tools.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { loadExampleModule } from '../modules/example-modules.js';
import { abiModule } from '../runtime/wat-modules.js';

let dir: string;
const wasm = (name: string): string => path.join(REPO_ROOT, 'modules', name, 'build', `${name}.wasm`);
const sluice = (args: string[], input = '') => runProcess(process.execPath, [SLUICE_BIN, ...args], { input, timeoutMs: 60_000 });

beforeAll(async () => {
  ensureBuilt();
  dir = makeTempDir('cli-module');
  for (const m of ['json-filter', 'count-sum', 'json-split']) await loadExampleModule(m); // builds when stale
}, 240_000);
afterAll(() => removeTempDir(dir));

describe('sluice module test', () => {
  it('runs a filter over stdin lines and prints the kept values', async () => {
    const r = await sluice(['module', 'test', wasm('json-filter')], '{"level":"error","n":1}\n{"level":"info"}\nplain\n{"level":"error","n":2}\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('{"level":"error","n":1}\n{"level":"error","n":2}\n');
  });

  it('takes params and an input file, and prints JSON lines with --output json', async () => {
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, '{"level":"warn"}\r\n{"level":"error"}\n');
    const r = await sluice(['--output', 'json', 'module', 'test', wasm('json-filter'), '--param', 'value=warn', '--input', input]);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ offset: 0, key: null, value: '{"level":"warn"}', headers: [] });
    expect(typeof lines[0]!['timestamp']).toBe('number');
  });

  it('reads JSON records with key, headers and timestamp, and fans out an array_map', async () => {
    const input = JSON.stringify({ key: 'k', value: [1, { a: 2 }], headers: { h: 'v' }, timestamp: 42 }) + '\n';
    const r = await sluice(['module', 'test', wasm('json-split'), '--json-input', '--output', 'json'], input);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(
      '{"offset":0,"timestamp":42,"key":"k","value":"1","headers":[{"key":"h","value":"v"}]}\n' +
        '{"offset":0,"timestamp":42,"key":"k","value":"{\\"a\\":2}","headers":[{"key":"h","value":"v"}]}\n',
    );
  });

  it('carries aggregate state across runs through --aggregate-state, and across batches', async () => {
    const state = path.join(dir, 'state.bin');
    const input = '{"key":"a","value":{"amount":2}}\n{"key":"b","value":{"amount":1}}\n{"key":"a","value":{"amount":3}}\n';
    const first = await sluice(['module', 'test', wasm('count-sum'), '--json-input', '--aggregate-state', state, '--batch-size', '2'], input);
    expect(first.code).toBe(0);
    expect(first.stdout.toString()).toBe(
      '{"key":"a","count":1,"sum":2}\n{"key":"b","count":1,"sum":1}\n{"key":"a","count":2,"sum":5}\n',
    );
    expect(existsSync(state)).toBe(true);
    const second = await sluice(['module', 'test', wasm('count-sum'), '--json-input', '--aggregate-state', state], '{"key":"b","value":{"amount":10}}\n');
    expect(second.stdout.toString()).toBe('{"key":"b","count":2,"sum":11}\n');
  });

  it('refuses a bad module with one line and a non-zero exit', async () => {
    const bad = path.join(dir, 'wasi.wasm');
    writeFileSync(bad, abiModule({ imports: '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))' }));
    const r = await sluice(['module', 'test', bad], 'x\n');
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toBe('sluice: module imports "wasi_snapshot_preview1"."fd_write": only the "sluice" namespace is allowed\n');
    const missing = await sluice(['module', 'test', path.join(dir, 'nope.wasm')]);
    expect([missing.code, missing.stderr]).toEqual([1, `sluice: no such module file: ${path.join(dir, 'nope.wasm')}\n`]);
    const badParam = await sluice(['module', 'test', wasm('json-filter'), '--param', 'oops']);
    expect([badParam.code, badParam.stderr]).toEqual([2, 'sluice: param "oops" is not key=value\n']);
  });

  it('reports a module failure with the records it failed on', async () => {
    const trap = path.join(dir, 'trap.wasm');
    writeFileSync(trap, abiModule({ process: 'unreachable' }));
    const r = await sluice(['module', 'test', trap], 'a\nb\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sluice: module failed on records 0\.\.1: trap \(-100\): trap: unreachable\n$/);
  });
});

describe('sluice module create|list|delete', () => {
  it('round-trips through a local bucket without a broker', async () => {
    const data = path.join(dir, 'bucket');
    const created = await sluice(['module', 'create', 'errors-only', wasm('json-filter'), '--data', data]);
    expect(created.stderr).toBe('');
    expect(created.stdout.toString()).toMatch(/^created errors-only \(filter, \d+ bytes, [0-9a-f]{12}\)\n$/);
    const listed = await sluice(['--output', 'json', 'module', 'list', '--data', data]);
    const entries = JSON.parse(listed.stdout.toString()) as { name: string; kind: string; id: string }[];
    expect(entries.map((e) => [e.name, e.kind])).toEqual([['errors-only', 'filter']]);
    expect(existsSync(path.join(data, 'modules', `${entries[0]!.id}.wasm`))).toBe(true);
    expect(readFileSync(path.join(data, 'modules', `${entries[0]!.id}.wasm`))).toEqual(readFileSync(wasm('json-filter')));
    const text = await sluice(['module', 'list', '--data', data]);
    expect(text.stdout.toString()).toMatch(/^errors-only\tfilter\t\d+\t[0-9a-f]{12}\n$/);
    const deleted = await sluice(['module', 'delete', 'errors-only', '--data', data]);
    expect(deleted.stdout.toString()).toBe('deleted errors-only (its binary stays in the bucket: attachments may pin it)\n');
    expect((await sluice(['module', 'list', '--data', data])).stdout.toString()).toBe('');
    // Offline, attachments (which pin binaries) are out of sight: the binary stays.
    expect(existsSync(path.join(data, 'modules', `${entries[0]!.id}.wasm`))).toBe(true);
    const again = await sluice(['module', 'delete', 'errors-only', '--data', data]);
    expect([again.code, again.stderr]).toEqual([1, 'sluice: module "errors-only" does not exist\n']);
  });

  it('refuses to store an invalid module, and without a bucket asks the broker', async () => {
    const data = path.join(dir, 'bucket2');
    const bad = path.join(dir, 'nomax.wasm');
    writeFileSync(bad, abiModule({ memory: '1' }));
    const r = await sluice(['module', 'create', 'x', bad, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sluice: module memory has no maximum/);
    expect(existsSync(path.join(data, 'modules'))).toBe(false);
    const port = await closedPort();
    const nobroker = await sluice(['module', 'list', '--bootstrap', `127.0.0.1:${port}`]);
    expect([nobroker.code, nobroker.stderr]).toEqual([1, `sluice: cannot reach the broker at 127.0.0.1:${port}: ECONNREFUSED\n`]);
  });
});

describe('sluice module build', () => {
  it('builds a module directory and reports up-to-date outputs', async () => {
    const out = path.join(dir, 'jf.wasm');
    const r = await sluice(['module', 'build', path.join(REPO_ROOT, 'modules', 'json-filter'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(`built json-filter -> ${out}\n`);
    expect(readFileSync(out)).toEqual(readFileSync(wasm('json-filter')));
    const again = await sluice(['--output', 'json', 'module', 'build', path.join(REPO_ROOT, 'modules', 'json-filter'), '--out', out]);
    expect(JSON.parse(again.stdout.toString())).toMatchObject({ name: 'json-filter', built: false, out });
  }, 120_000);

  it('build-examples builds (or finds up to date) every example and fixture module', async () => {
    const r = await sluice(['--output', 'json', 'module', 'build-examples']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { results, failures } = JSON.parse(r.stdout.toString()) as { results: { name: string; out: string }[]; failures: unknown[] };
    expect(failures).toEqual([]);
    const names = results.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['json-filter', 'json-map', 'json-filter-map', 'json-split', 'count-sum']));
    for (const x of results) expect(existsSync(x.out)).toBe(true);
  }, 240_000);
});

/** A loopback port nothing listens on: one the kernel just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
