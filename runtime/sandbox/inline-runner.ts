/**
 * Runs modules on the calling thread: no isolation, no deadline (a stuck guest stalls the caller),
 * so only for trusted modules and for measuring what the sandbox costs. Same interface and same
 * error kinds as the sandbox pool.
 */
import { createGuestInstance } from '../guest-code.js';
import type { GuestInstance } from '../guest-instance.js';
import type { LoadedModule } from '../module-loader.js';
import { SandboxError } from './errors.js';
import { guestErrorOf } from './guest-error.js';
import { ModuleHandle, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput } from './runner.js';

const NO_PROCESS_OPTIONS = {};

export class InlineRunner implements ModuleRunner {
  readonly mode = 'inline' as const;
  #instances = new Map<string, GuestInstance>();
  #closed = false;

  register(module: LoadedModule, options: RegisterOptions = {}): ModuleHandle {
    return new ModuleHandle(module, options);
  }

  /** Same-thread call; throws SandboxError like run() rejects. The deadline is not enforced; `options.buffers` receive the output. */
  runSync(handle: ModuleHandle, input: Uint8Array, state: Uint8Array | null = null, options?: RunOptions): RunOutput {
    if (this.#closed) throw new SandboxError('closed', 'inline runner is closed');
    let instance = this.#instances.get(handle.key);
    if (instance === undefined) {
      try {
        instance = createGuestInstance(handle.code, handle.spec.params, handle.spec.limits);
      } catch (err) {
        const { code, message } = guestErrorOf(err);
        throw new SandboxError('instantiate', `module ${handle.label}: ${message}`, code, { cause: err });
      }
      this.#instances.set(handle.key, instance);
    }
    try {
      const buffers = options?.buffers;
      return instance.processEncoded(input, state, buffers === undefined ? NO_PROCESS_OPTIONS : { outputBuffers: buffers });
    } catch (err) {
      // The instance stays: after a trap it re-instantiates itself on its next call.
      const { kind, code, message } = guestErrorOf(err);
      throw new SandboxError(kind, `module ${handle.label}: ${message}`, code, { cause: err });
    }
  }

  run(handle: ModuleHandle, input: Uint8Array, state: Uint8Array | null = null, options?: RunOptions): Promise<RunOutput> {
    try {
      return Promise.resolve(this.runSync(handle, input, state, options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#instances.clear();
  }
}
