// The AssemblyScript SDK (sdk/assemblyscript) through its probe module (test/sdk/modules/sdk-probe):
// the behaviours every SDK shares (probe-suite.ts), its exports, fail() and aborts.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from '../../runtime/build/module-build.js';
import { loadModule, type LoadedModule } from '../../runtime/module-loader.js';
import { ModuleInstance } from '../../runtime/instance.js';
import { ModuleError } from '../../runtime/module-error.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { itBehavesLikeEverySdk, rec, values } from './probe-suite.js';

let probe: LoadedModule;
beforeAll(async () => {
  const built = await buildModule(path.join(REPO_ROOT, 'test', 'sdk', 'modules', 'sdk-probe'));
  probe = await loadModule(readFileSync(built.out));
}, 180_000);

describe('AssemblyScript SDK', () => {
  itBehavesLikeEverySdk(() => probe);

  it('exports exactly the ABI', () => {
    expect(WebAssembly.Module.exports(probe.compiled).map((e) => e.name).sort()).toEqual([
      'memory', 'sluice_abi_version', 'sluice_alloc', 'sluice_error_len', 'sluice_error_ptr', 'sluice_init', 'sluice_kind',
      'sluice_output_len', 'sluice_output_ptr', 'sluice_process', 'sluice_state_len', 'sluice_state_ptr',
    ]);
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
});
