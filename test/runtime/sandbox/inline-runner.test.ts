// The inline runner: same bytes as a bare instance, the sandbox's error kinds, refuses after close.
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../../runtime/abi/batch.js';
import { ModuleInstance } from '../../../runtime/instance.js';
import { InlineRunner, SandboxError } from '../../../runtime/sandbox/index.js';
import { exampleModule, fixtureModule, LOG_LINES, records } from './fixtures.js';

describe('InlineRunner', () => {
  it('gives the bytes a bare instance gives, and keeps one instance per params', async () => {
    const module = await exampleModule('json-filter');
    const runner = new InlineRunner();
    const input = encodeBatch(records(LOG_LINES, 10n));
    const errors = runner.register(module, { params: { field: 'level', value: 'error' } });
    const warns = runner.register(module, { params: { field: 'level', value: 'warn' } });
    expect(errors.key).not.toBe(warns.key);
    const bare = ModuleInstance.create(module.compiled, { field: 'level', value: 'error' }).processEncoded(input, null);
    expect(Buffer.from(runner.runSync(errors, input).output).equals(Buffer.from(bare.output))).toBe(true);
    expect(decodeBatch((await runner.run(warns, input)).output).map((r) => r.offset)).toEqual([13n]);
    await runner.close();
    expect(() => runner.runSync(errors, input)).toThrow(/closed/);
  });

  it('reports guest failures with the sandbox error kinds and recovers', async () => {
    const runner = new InlineRunner();
    const trap = runner.register(await fixtureModule('trap'));
    const err = await runner.run(trap, encodeBatch(records(['boom']))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).kind).toBe('trap');
    expect((err as SandboxError).message).toMatch(/^module trap \(/);
    expect(decodeBatch(runner.runSync(trap, encodeBatch(records(['ok']))).output)).toHaveLength(1);
    await runner.close();
  });
});
