/**
 * What the runners (inline, sandbox worker) hold for one module with its params: a core module
 * instance (instance.ts, ABI v1) or a component instance (component/component-instance.ts), made
 * from the module's compiled code by createGuestInstance.
 */
import { AGGREGATE_STATE_MAX_BYTES, INPUT_BATCH_MAX_BYTES, WASM_PAGE_BYTES } from './constants.js';
import { ABI_ERROR } from './abi/error-codes.js';
import type { BatchBuffers } from './abi/batch-buffers.js';
import type { GuestLogHandler } from './guest-imports.js';
import type { ModuleKind } from './kinds/index.js';
import { ModuleError } from './module-error.js';

export interface InstanceLimits {
  /** Guest memory this instance may use; a call that leaves memory larger fails with 'memory-limit'. */
  memoryMaxBytes?: number;
  /** Largest encoded output batch accepted (default OUTPUT_BATCH_MAX_BYTES). */
  outputMaxBytes?: number;
  /** Receives log calls (at most GUEST_LOG_CALLS_MAX_PER_BATCH per call); dropped when absent. */
  onLog?: GuestLogHandler;
}

export interface ProcessOptions {
  /**
   * Return the output as a view into guest memory instead of a copy: valid only until the next
   * call on this instance. For a caller that copies it somewhere at once (the sandbox worker).
   */
  outputView?: boolean;
  /** Copy the output into a buffer taken from these (RunOptions.buffers) instead of a fresh one. */
  outputBuffers?: BatchBuffers;
}

export interface GuestInstance {
  readonly kind: ModuleKind;
  /**
   * One guest call for a whole batch. `input` is encodeBatch() bytes (any buffer, shared too, is
   * only read); `state` the aggregate accumulator (null before the first batch). Returns the
   * encoded output batch and the new state (aggregate) or null. Throws ModuleError.
   */
  processEncoded(input: Uint8Array, state: Uint8Array | null, options?: ProcessOptions): { output: Uint8Array; state: Uint8Array | null };
}

/**
 * The MEMORY_LIMIT error for a trap when the guest ran out of memory, or null. A memory that
 * cannot grow one more page is at its maximum; the instance is discarded after a trap, so
 * probing with grow is harmless.
 */
export function memoryLimitError(memory: WebAssembly.Memory, limit: number | undefined, context: string, detail: string, cause: unknown): ModuleError | null {
  const size = memory.buffer.byteLength;
  let full = limit !== undefined && size + WASM_PAGE_BYTES > limit;
  if (!full) {
    try {
      memory.grow(1);
    } catch {
      full = true;
    }
  }
  if (!full) return null;
  return new ModuleError(ABI_ERROR.MEMORY_LIMIT, `${context}: guest memory reached its maximum (${memory.buffer.byteLength} bytes): ${detail}`, 'memory-limit', { cause });
}

/** The host-side bounds of one call's input and state (a RangeError: the caller's fault, not the guest's). */
export function checkProcessInput(input: Uint8Array, state: Uint8Array | null): void {
  if (input.length > INPUT_BATCH_MAX_BYTES) throw new RangeError(`input batch of ${input.length} bytes exceeds ${INPUT_BATCH_MAX_BYTES}`);
  if (input.length < 4) throw new RangeError('input batch shorter than its record count');
  if (state !== null && state.length > AGGREGATE_STATE_MAX_BYTES) throw new RangeError(`state of ${state.length} bytes exceeds ${AGGREGATE_STATE_MAX_BYTES}`);
}
