/**
 * What every way of running a module offers: the sandbox pool (isolated worker threads) and the
 * inline runner (same thread, for trusted modules and for measuring what isolation costs).
 */
import type { BatchBuffers } from '../abi/batch-buffers.js';
import type { LoadedModule, ModuleKind } from '../module-loader.js';
import type { GuestCode } from '../guest-code.js';
import type { InstanceLimits, ModuleSpec } from './messages.js';

export interface RegisterOptions {
  params?: Record<string, string>;
  limits?: InstanceLimits;
  /** Per-pipeline deadline of one call; the runner's default when absent. */
  deadlineMs?: number;
}

export interface RunOptions {
  /** Overrides the handle's deadline for this call. */
  deadlineMs?: number;
  /**
   * The pipeline's batch buffers (BatchBuffers). The input was taken from them and is handed over
   * whole: it must start at its buffer's first byte, and the caller must not use it, or any view
   * of its buffer, after the call; the sandbox may transfer the buffer to its worker and send the
   * output back in it. Any other buffer the output needs on this thread is taken from them too.
   * Without them only an input that is exactly its whole buffer is transferred, and outputs are
   * fresh allocations.
   */
  buffers?: BatchBuffers;
  /**
   * The input is not an ABI batch but what the runner's input converter takes (InputConverter):
   * it is converted on the thread that runs the module, so the host's event loop does no
   * per-record work. Refused as bad-input by a runner that has no converter.
   */
  convert?: boolean;
}

/** What an input converter made of a call's input. */
export interface ConvertedInput {
  /** The ABI batch handed to the module. */
  abi: Uint8Array;
  /** Records in it. */
  records: number;
  /** Where the caller's next input starts: the converter may take only part of what it was given. */
  resumeAt: bigint;
}

/**
 * Turns a host's own input format into ABI batches next to the module (RunOptions.convert). The
 * sandbox pool imports it in each worker from a module URL (SandboxPoolOptions.inputConverter)
 * whose `inputConverter` export is one of these; conversion errors fail the call as kind 'input'.
 */
export interface InputConverter {
  convert(input: Uint8Array): ConvertedInput;
  /** Takes back a converted batch once the module has its copy. */
  release(abi: Uint8Array): void;
  /**
   * What the caller gets back instead of the module's ABI output (a view into guest memory, read
   * only during this call), made on the module's thread too: the input said what it wants back.
   * Throwing fails the call as the module's bad output (kind 'guest-error', ABI BAD_OUTPUT).
   */
  convertOutput?(output: Uint8Array, converted: ConvertedInput): Uint8Array;
}

export interface RunOutput {
  /** The encoded output batch, in a plain buffer of the caller's own (never guest or shared memory): BatchBuffers.give may take it once it is decoded. */
  output: Uint8Array;
  /** The aggregate's new state (null for other kinds); the caller keeps the old one until this arrives. */
  state: Uint8Array | null;
  /** With RunOptions.convert: what the input held and where the next one starts. */
  converted?: { records: number; resumeAt: bigint };
}

/** One module with its params, registered with a runner. */
export class ModuleHandle {
  readonly moduleId: string;
  readonly name: string | undefined;
  readonly kind: ModuleKind;
  /** Identifies (module, params, limits) in worker caches. */
  readonly key: string;
  /** `name (id prefix)`: how errors name the module. */
  readonly label: string;
  /** Compiled on the host by loadModule: what inline instances are made from. */
  readonly code: GuestCode;
  /** What a worker gets: the bytes, compiled in the worker (see ModuleSpec). */
  readonly spec: ModuleSpec;
  readonly deadlineMs: number | undefined;

  constructor(module: LoadedModule, options: RegisterOptions) {
    const params = options.params ?? {};
    const limits = options.limits ?? {};
    this.moduleId = module.id;
    this.name = module.name;
    this.kind = module.kind;
    const sortedParams = Object.keys(params).sort().map((k) => [k, params[k]]);
    this.key = `${module.id}|${JSON.stringify(sortedParams)}|${limits.memoryMaxBytes ?? ''}|${limits.outputMaxBytes ?? ''}`;
    this.label = module.name === undefined ? module.id.slice(0, 12) : `${module.name} (${module.id.slice(0, 12)})`;
    this.code = module.code;
    this.spec = { moduleId: module.id, format: module.code.format, bytes: module.workerBytes, params: { ...params }, limits: { ...limits } };
    if (options.deadlineMs !== undefined && !(options.deadlineMs > 0)) throw new RangeError(`deadlineMs must be positive, got ${options.deadlineMs}`);
    this.deadlineMs = options.deadlineMs;
  }
}

export interface ModuleRunner {
  readonly mode: 'inline' | 'sandbox';
  register(module: LoadedModule, options?: RegisterOptions): ModuleHandle;
  /**
   * Runs one encoded batch (ABI batch bytes) through the module: one guest call. When `input` is a
   * view over its whole ArrayBuffer, that buffer may be transferred away (detached): pass a copy
   * if you need it after. `state` is never taken: it stays the caller's until the result arrives.
   * Rejects with a SandboxError.
   */
  run(handle: ModuleHandle, input: Uint8Array, state?: Uint8Array | null, options?: RunOptions): Promise<RunOutput>;
  close(): Promise<void>;
}
