/**
 * Runs modules on the calling thread: no isolation, no deadline (a stuck guest stalls the caller),
 * so only for trusted modules and for measuring what the sandbox costs. Same interface and same
 * error kinds as the sandbox pool.
 */
import { createGuestInstance } from '../guest-code.js';
import type { GuestInstance } from '../guest-instance.js';
import type { LoadedModule } from '../module-loader.js';
import { SandboxError } from './errors.js';
import { badOutputOf, guestErrorOf } from './guest-error.js';
import { ModuleHandle, type ConvertedInput, type InputConverter, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput } from './runner.js';

const NO_PROCESS_OPTIONS = {};

export interface InlineRunnerOptions {
  /** Converts RunOptions.convert inputs on the calling thread (the sandbox pool's inputConverter). */
  inputConverter?: InputConverter;
}

export class InlineRunner implements ModuleRunner {
  readonly mode = 'inline' as const;
  #instances = new Map<string, GuestInstance>();
  #closed = false;
  readonly #converter: InputConverter | undefined;

  constructor(options: InlineRunnerOptions = {}) {
    this.#converter = options.inputConverter;
  }

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
    let converted: ConvertedInput | undefined;
    if (options?.convert === true) {
      if (this.#converter === undefined) throw new SandboxError('bad-input', 'this inline runner has no input converter');
      try {
        converted = this.#converter.convert(input);
      } catch (err) {
        throw new SandboxError('input', `module ${handle.label}: ${err instanceof Error ? err.message : String(err)}`, 0, { cause: err });
      }
    }
    try {
      const buffers = options?.buffers;
      const out = instance.processEncoded(converted?.abi ?? input, state, buffers === undefined ? NO_PROCESS_OPTIONS : { outputBuffers: buffers });
      if (converted === undefined) return out;
      let output = out.output;
      const convertOutput = this.#converter!.convertOutput;
      if (convertOutput !== undefined) {
        try {
          output = convertOutput.call(this.#converter, out.output, converted);
        } catch (err) {
          const { kind, code, message } = badOutputOf(err);
          throw new SandboxError(kind, `module ${handle.label}: ${message}`, code, { cause: err });
        } finally {
          if (output !== out.output) buffers?.give(out.output);
        }
      }
      return { output, state: out.state, converted: { records: converted.records, resumeAt: converted.resumeAt } };
    } catch (err) {
      if (err instanceof SandboxError) throw err;
      // The instance stays: after a trap it re-instantiates itself on its next call.
      const { kind, code, message } = guestErrorOf(err);
      throw new SandboxError(kind, `module ${handle.label}: ${message}`, code, { cause: err });
    } finally {
      if (converted !== undefined) this.#converter!.release(converted.abi);
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
