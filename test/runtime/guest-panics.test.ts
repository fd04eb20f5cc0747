// A Rust module that panics (test/fixtures/modules/rust-panic, built from source with cargo)
// is reported with its panic message and its batch's offsets, through the sandbox pool and
// inline, under every error policy; never as an anonymous trap.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../runtime/abi/batch.js';
import { buildModule } from '../../runtime/build/module-build.js';
import { DEAD_LETTER_HEADER, describeFailure, ErrorPolicy, PipelineHaltedError, type BatchFailure } from '../../runtime/error-policy.js';
import { loadModule, type LoadedModule } from '../../runtime/module-loader.js';
import { InlineRunner, SandboxError, SandboxPool, type ModuleRunner } from '../../runtime/sandbox/index.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { records } from './sandbox/fixtures.js';

const PANIC = /: trap: panicked at 'boom at offset 31', \S*src\/lib\.rs:\d+:\d+ \(record offset 31\)$/;

describe('a panicking Rust module', () => {
  let pool: SandboxPool;
  let module: LoadedModule;
  const inline = new InlineRunner();

  beforeAll(async () => {
    const built = await buildModule(path.join(REPO_ROOT, 'test', 'fixtures', 'modules', 'rust-panic'));
    module = await loadModule(readFileSync(built.out), { name: 'rust-panic' });
    pool = await SandboxPool.start({ threads: 1 });
  }, 300_000);
  afterAll(async () => {
    await pool?.close();
    await inline.close();
  });

  const runners = (): [string, ModuleRunner][] => [['sandbox', pool], ['inline', inline]];

  it('fails the batch with the panic message, then runs the next batch', async () => {
    for (const [name, runner] of runners()) {
      const handle = runner.register(module);
      const err = await runner.run(handle, encodeBatch(records(['a', 'boom', 'c'], 30n))).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(SandboxError);
      expect((err as SandboxError).kind, name).toBe('guest-error');
      expect((err as SandboxError).message, name).toMatch(/^module rust-panic \(/);
      expect((err as SandboxError).message, name).toMatch(/: trap: panicked at 'boom at offset 31', \S*src\/lib\.rs:\d+:\d+ \(record offset 31\)$/);
      const index = await runner.run(handle, encodeBatch(records(['index'], 40n))).catch((e: unknown) => e);
      expect((index as SandboxError).message, name).toMatch(/panicked at 'index out of bounds: the len is 1 but the index is 47', .* \(record offset 40\)$/);
      const refused = await runner.run(handle, encodeBatch(records(['err'], 50n))).catch((e: unknown) => e);
      expect([(refused as SandboxError).kind, (refused as SandboxError).code], name).toEqual(['guest-error', -1]);
      expect((refused as SandboxError).message, name).toMatch(/: the module refused this record \(record offset 50\)$/);
      const out = decodeBatch((await runner.run(handle, encodeBatch(records(['x', 'y'], 60n)))).output);
      expect(out.map((r) => r.offset), name).toEqual([60n, 61n]);
    }
  }, 60_000);

  it('is reported by every error policy with its message and the batch offsets', async () => {
    for (const [name, runner] of runners()) {
      const handle = runner.register(module);
      const input = records(['a', 'boom', 'c'], 30n);
      const seen: BatchFailure[] = [];
      const sunk: BatchFailure[] = [];
      const deadLetter = new ErrorPolicy({
        policy: 'dead-letter',
        deadLetter: (recs, f) => {
          expect(recs).toHaveLength(3);
          sunk.push(f);
        },
        onFailure: (f) => seen.push(f),
      });
      const outcome = await deadLetter.runBatch(runner, handle, input);
      expect(outcome.status, name).toBe('dead-lettered');
      const f = seen[0]!;
      expect([f.moduleName, f.kind, f.firstOffset, f.lastOffset, f.recordCount], name).toEqual(['rust-panic', 'guest-error', 30n, 32n, 3]);
      expect(f.message, name).toMatch(/trap: panicked at 'boom at offset 31', \S*src\/lib\.rs:\d+:\d+ \(record offset 31\)$/);
      expect(describeFailure(f), name).toMatch(/^module rust-panic \(\w+\) failed \(guest-error\) on offsets 30\.\.32 \(3 records\): .*panicked at 'boom at offset 31'/);
      expect(sunk, name).toHaveLength(1);
      const halt = new ErrorPolicy({ policy: 'halt' });
      const err = await halt.runBatch(runner, handle, input).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(PipelineHaltedError);
      expect((err as PipelineHaltedError).message, name).toMatch(/^pipeline halted: module rust-panic .* on offsets 30\.\.32 \(3 records\): .*panicked at 'boom at offset 31'/);
    }
  }, 60_000);

  it('a panic in init refuses the module with the panic message', async () => {
    for (const [name, runner] of runners()) {
      const handle = runner.register(module, { params: { init: 'panic' } });
      const err = await runner.run(handle, encodeBatch(records(['a'], 0n))).catch((e: unknown) => e);
      expect((err as SandboxError).kind, name).toBe('instantiate');
      expect((err as SandboxError).message, name).toMatch(/init trapped: panicked at 'init was told to panic', \S*src\/lib\.rs:\d+:\d+$/);
    }
  }, 60_000);

  it('the dead-lettered records carry the panic message in their headers', async () => {
    const messages: string[] = [];
    const policy = new ErrorPolicy({
      policy: 'dead-letter',
      deadLetter: (recs) => {
        for (const r of recs) messages.push(new TextDecoder().decode(r.headers.find((h) => h.key === DEAD_LETTER_HEADER.message)!.value!));
      },
    });
    await policy.runBatch(pool, pool.register(module), records(['boom'], 31n));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(PANIC);
  });
});
