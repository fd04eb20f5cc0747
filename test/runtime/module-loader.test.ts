import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadModule, ModuleValidationError } from '../../runtime/module-loader.js';
import { MODULE_MAX_BYTES } from '../../runtime/constants.js';
import { abiModule, abiModuleWat, watToWasm } from './wat-modules.js';

async function refusal(bytes: Uint8Array): Promise<string> {
  const err = await loadModule(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModuleValidationError);
  return (err as Error).message;
}

describe('loadModule', () => {
  it('accepts a valid module and reports its id, kind, version and memory maximum', async () => {
    const bytes = abiModule({ kind: 3, memory: '1 32' });
    const m = await loadModule(bytes, { name: 'ok' });
    expect(m.id).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(m.kind).toBe('filter_map');
    expect(m.abiVersion).toBe(1);
    expect(m.name).toBe('ok');
    expect(m.memoryMaxBytes).toBe(32 * 65536);
    expect(m.compiled).toBeInstanceOf(WebAssembly.Module);
  });

  it('allows the sluice.log import', async () => {
    const m = await loadModule(abiModule({ imports: '(import "sluice" "log" (func (param i32 i32 i32)))' }));
    expect(m.kind).toBe('filter');
  });

  it('refuses a WASI import, naming it', async () => {
    const msg = await refusal(abiModule({ imports: '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))' }));
    expect(msg).toBe('module imports "wasi_snapshot_preview1"."fd_write": only the "sluice" namespace is allowed');
  });

  it("refuses AssemblyScript's default env.abort import", async () => {
    const msg = await refusal(abiModule({ imports: '(import "env" "abort" (func (param i32 i32 i32 i32)))' }));
    expect(msg).toBe('module imports "env"."abort": only the "sluice" namespace is allowed');
  });

  it('refuses an unknown function of the sluice namespace', async () => {
    const msg = await refusal(abiModule({ imports: '(import "sluice" "exec" (func (param i32)))' }));
    expect(msg).toBe('module imports "sluice"."exec": the "sluice" namespace has only "log"');
  });

  it('refuses an imported memory', async () => {
    const wat = abiModuleWat().replace('(memory (export "memory") 1 16)', '(import "sluice" "memory" (memory 1 2))');
    const msg = await refusal(watToWasm(wat));
    expect(msg).toBe('module imports "sluice"."memory": the "sluice" namespace has only "log"');
  });

  it('refuses a missing export, naming it and its signature', async () => {
    const msg = await refusal(abiModule({ omit: ['sluice_process'] }));
    expect(msg).toBe('module does not export function "sluice_process" (i32, i32, i32, i32) -> i32 (ABI v1)');
    expect(await refusal(abiModule({ omit: ['sluice_error_len'] }))).toMatch(/"sluice_error_len"/);
  });

  it('refuses a module that does not export its memory', async () => {
    expect(await refusal(abiModule({ omit: ['memory'] }))).toBe('module does not export its memory as "memory"');
  });

  it('refuses an export with the wrong signature', async () => {
    const msg = await refusal(abiModule({ processSignature: '(param $in i32) (param $len i32) (param $sp i32) (param $sl i64) (result i32)' }));
    expect(msg).toBe('export "sluice_process" has signature (i32, i32, i32, i64) -> i32; ABI v1 requires (i32, i32, i32, i32) -> i32');
  });

  it('refuses another ABI version', async () => {
    expect(await refusal(abiModule({ abiVersion: 2 }))).toBe(
      'module reports ABI version 2 (sluice_abi_version); this host implements 1',
    );
  });

  it('refuses an unknown kind, hinting at a missing registration for 0', async () => {
    expect(await refusal(abiModule({ kind: 0 }))).toMatch(/^module reports kind 0 \(sluice_kind\).*did it register a function\?/);
    expect(await refusal(abiModule({ kind: 9 }))).toMatch(/^module reports kind 9/);
  });

  it('refuses an aggregate without the state exports', async () => {
    expect(await refusal(abiModule({ kind: 5 }))).toMatch(/does not export function "sluice_state_ptr"/);
    expect((await loadModule(abiModule({ kind: 5, state: true }))).kind).toBe('aggregate');
  });

  it('refuses a memory without a maximum', async () => {
    expect(await refusal(abiModule({ memory: '1' }))).toBe(
      'module memory has no maximum: declare one of at most 1024 pages (67108864 bytes), e.g. asc --maximumMemory 1024',
    );
  });

  it('refuses a memory maximum above the host limit', async () => {
    expect(await refusal(abiModule({ memory: '1 1025' }))).toBe(
      'module memory maximum of 1025 pages (67174400 bytes) exceeds the limit of 1024 pages (67108864 bytes)',
    );
    expect((await loadModule(abiModule({ memory: '1 1024' }))).memoryMaxBytes).toBe(64 * 1024 * 1024);
  });

  it('refuses bytes that are not WebAssembly, and oversized binaries', async () => {
    expect(await refusal(new TextEncoder().encode('hello'))).toMatch(/^not a valid WebAssembly module/);
    expect(await refusal(new Uint8Array(MODULE_MAX_BYTES + 1))).toMatch(/exceeds the limit of 16777216 bytes/);
  });

  it('refuses a module whose start function traps', async () => {
    const msg = await refusal(abiModule({ extra: '(func $boom unreachable) (start $boom)' }));
    expect(msg).toMatch(/^module failed to start: unreachable/);
  });

  it('refuses a module whose start function never returns, within the probe deadline', async () => {
    // The probe worker is terminated at its deadline: the refusal names it (a probe that hung
    // would hit the test's own timeout instead).
    const msg = await refusal(abiModule({ extra: '(func $spin (loop $l (br $l))) (start $spin)' }));
    expect(msg).toBe('module failed to start: its start function did not return within 5000 ms');
  });
});
