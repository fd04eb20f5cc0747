/** The checks every attach goes through before the log writes anything: modules, params. */
import { encodeBatch, ModuleNotFoundError, type ModuleEntry } from '../../runtime/index.js';
import { SandboxError } from '../../runtime/sandbox/errors.js';
import type { ChainStep } from '../log/index.js';
import type { ModuleHost } from './module-host.js';

/** A request that cannot be carried out; `status` is how the admin API answers it. */
export class AttachError extends Error {
  override readonly name = 'AttachError';
  constructor(readonly status: 400 | 404 | 409 | 503, readonly code: string, message: string) {
    super(message);
  }
}

/** A registered module by name, or the one-line reason it cannot be used. */
export async function moduleEntry(host: ModuleHost, name: string): Promise<ModuleEntry> {
  try {
    return await host.registry.entry(name);
  } catch (err) {
    if (err instanceof ModuleNotFoundError) throw new AttachError(404, 'unknown_module', `module ${JSON.stringify(name)} does not exist; register it with: sluice module create ${name} <file.wasm>`);
    if (err instanceof Error && err.name === 'ModuleNameError') throw new AttachError(400, 'bad_module_name', err.message);
    throw err;
  }
}

/** Every module of a chain with its params, checked as checkParams does. */
export async function checkChainParams(host: ModuleHost, steps: ChainStep[]): Promise<void> {
  for (const s of steps) {
    checkParamShape(s.params);
    await checkParams(host, { name: s.module.name, id: s.module.id }, s.params);
  }
}

/** Instantiates the module with the params in the sandbox, as every read will: bad params refuse the attach. */
export async function checkParams(host: ModuleHost, entry: Pick<ModuleEntry, 'name' | 'id'>, params: Record<string, string>): Promise<void> {
  const module = await host.module(entry.id, entry.name);
  const runner = await host.runner();
  const handle = runner.register(module, { params, deadlineMs: host.deadlineMs });
  try {
    await runner.run(handle, encodeBatch([]));
  } catch (err) {
    if (err instanceof SandboxError) {
      if (err.kind === 'instantiate') throw new AttachError(400, 'bad_params', `module ${entry.name} refused its params: ${err.message.replace(/^module [^:]*: /, '')}`);
      throw new AttachError(400, 'module_failed', `module ${entry.name} failed on an empty batch: ${err.message}`);
    }
    throw err;
  }
}

export function checkParamShape(params: Record<string, string>): void {
  for (const [k, v] of Object.entries(params)) {
    if (k === '' || typeof v !== 'string') throw new AttachError(400, 'bad_params', `param ${JSON.stringify(k)}: keys are non-empty, values are strings`);
  }
}

