/**
 * Why a batch did not come back from a runner. Guest failures (trap, guest error, output or memory
 * over its bound) keep the kind the instance gave them; the others are the sandbox's own.
 */
export type GuestErrorKind = 'trap' | 'guest-error' | 'output-too-large' | 'memory-limit';
export type SandboxErrorKind =
  | GuestErrorKind
  /** The call missed its deadline; its worker was terminated and replaced. */
  | 'deadline'
  /** The worker died under the call (heap limit, crash); it was replaced. */
  | 'worker-died'
  /** The module could not be instantiated in the worker (bad params, init failed). */
  | 'instantiate'
  /** The host refused the batch before calling the guest (over the input or state bound). */
  | 'bad-input'
  /** The input converter refused the input (RunOptions.convert): nothing of it reached the module. */
  | 'input'
  /** The pool's queue was full; the batch was never run. */
  | 'queue-full'
  /** The pool is closing or closed; the batch was never run. */
  | 'closed';

export class SandboxError extends Error {
  override readonly name: string = 'SandboxError';
  constructor(
    readonly kind: SandboxErrorKind,
    message: string,
    /** ABI error code for guest errors, 0 otherwise. */
    readonly code = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when running the same batch again may succeed (nothing about the batch was wrong). */
  get retriable(): boolean {
    return this.kind === 'queue-full' || this.kind === 'worker-died';
  }
}

export class DeadlineExceededError extends SandboxError {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly deadlineMs: number, moduleLabel: string) {
    super('deadline', `module ${moduleLabel} missed its ${deadlineMs} ms deadline; its worker was terminated`);
  }
}

export class QueueFullError extends SandboxError {
  override readonly name = 'QueueFullError';
  constructor(readonly queueMax: number) {
    super('queue-full', `sandbox queue is full (${queueMax} batches waiting); retry later or add threads`);
  }
}

export class PoolClosedError extends SandboxError {
  override readonly name = 'PoolClosedError';
  constructor() {
    super('closed', 'sandbox pool is closed');
  }
}
