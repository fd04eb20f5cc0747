/**
 * One instance of a compiled module, initialised with its params. processEncoded makes one
 * guest call per batch: copy the encoded batch in once, call sluice_process, copy the output
 * out once; nothing per record happens on the host.
 *
 * After a trap the instance's memory and globals may be half-updated, so the next call
 * starts from a fresh instance (same compiled module, same params): a trap costs one
 * re-instantiation (well under INSTANTIATE_TARGET_MS for our modules), never a wrong answer.
 */
import {
  GUEST_ERROR_MESSAGE_MAX_BYTES, GUEST_LOG_CALLS_MAX_PER_BATCH,
  INSTANCE_STAGING_INITIAL_BYTES, OUTPUT_BATCH_MAX_BYTES,
} from './constants.js';
import type { GuestExports } from './abi/exports.js';
import { ABI_ERROR, abiErrorName } from './abi/error-codes.js';
import { encodeParams } from './abi/params.js';
import { batchLayoutError, decodeBatch, encodeBatch, type HostRecord } from './abi/batch.js';
import { checkStateLength, kindRulesForCode, type KindRules, type ModuleKind } from './kinds/index.js';
import { guestImports, type GuestLogHandler } from './guest-imports.js';
import { ModuleError } from './module-error.js';
import { checkProcessInput, memoryLimitError, type GuestInstance, type InstanceLimits, type ProcessOptions } from './guest-instance.js';

export type { InstanceLimits, ProcessOptions } from './guest-instance.js';

const utf8 = new TextDecoder();

/** One private staging buffer per thread, reused (see copyIn). */
let staging = new Uint8Array(INSTANCE_STAGING_INITIAL_BYTES);
function staged(bytes: Uint8Array): Uint8Array {
  if (staging.length < bytes.length) staging = new Uint8Array(Math.max(bytes.length, staging.length * 2));
  staging.set(bytes);
  return staging.subarray(0, bytes.length);
}

export class ModuleInstance implements GuestInstance {
  readonly kind: ModuleKind;
  private readonly rules: KindRules;
  private exports: GuestExports;
  /** Set by a trap: the next call re-instantiates first. */
  private broken = false;
  private logCalls = 0;
  private memView: Uint8Array = new Uint8Array(0);

  private constructor(
    private readonly compiled: WebAssembly.Module,
    private readonly params: Uint8Array,
    private readonly limits: InstanceLimits,
  ) {
    this.exports = this.instantiate();
    const rules = kindRulesForCode(this.exports.sluice_kind());
    if (!rules) throw new ModuleError(ABI_ERROR.NOT_REGISTERED, `module reports unknown kind ${this.exports.sluice_kind()}`, 'guest-error');
    this.rules = rules;
    this.kind = rules.kind;
  }

  /** Instantiates `compiled` and runs sluice_init(params), synchronously. Throws ModuleError when init fails. */
  static create(compiled: WebAssembly.Module, params: Record<string, string>, limits: InstanceLimits = {}): ModuleInstance {
    return new ModuleInstance(compiled, encodeParams(params), limits);
  }

  private instantiate(): GuestExports {
    let exports: GuestExports | undefined;
    const onLog: GuestLogHandler | undefined = this.limits.onLog
      ? (level, message) => {
          if (++this.logCalls <= GUEST_LOG_CALLS_MAX_PER_BATCH) this.limits.onLog!(level, message);
        }
      : undefined;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(this.compiled, guestImports(() => exports?.memory, onLog));
    } catch (err) {
      throw new ModuleError(ABI_ERROR.TRAP, `module failed to start: ${(err as Error).message}`, 'trap', { cause: err });
    }
    exports = instance.exports as unknown as GuestExports;
    const ex = exports;
    try {
      const ptr = ex.sluice_alloc(this.params.length) >>> 0;
      this.copyIn(ex, this.params, ptr);
      const rc = ex.sluice_init(ptr, this.params.length);
      if (rc < 0) throw new ModuleError(rc, `init failed: ${this.guestMessage(ex) || abiErrorName(rc)}`, 'guest-error');
    } catch (err) {
      if (err instanceof ModuleError) throw err;
      throw this.classifyTrap(ex, err, 'init trapped');
    }
    return ex;
  }

  /** A view of the guest's memory, made again only when its buffer changes (growth, a new instance). */
  private memoryView(ex: GuestExports): Uint8Array {
    const buffer = ex.memory.buffer;
    if (this.memView.buffer !== buffer) this.memView = new Uint8Array(buffer);
    return this.memView;
  }

  private copyIn(ex: GuestExports, bytes: Uint8Array, ptr: number): void {
    const mem = this.memoryView(ex);
    if (ptr + bytes.length > mem.length) {
      throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `sluice_alloc returned ${ptr}, outside memory for ${bytes.length} bytes`, 'guest-error');
    }
    if (bytes.buffer instanceof SharedArrayBuffer && (ptr % 8 !== 0 || bytes.byteOffset % 8 !== 0)) {
      // From shared memory V8 copies byte by byte unless both sides are 8-aligned: stage through
      // a private buffer, which costs two plain copies.
      mem.set(staged(bytes), ptr);
      return;
    }
    mem.set(bytes, ptr);
  }

  private guestMessage(ex: GuestExports): string {
    try {
      const len = ex.sluice_error_len();
      if (len <= 0) return '';
      const ptr = ex.sluice_error_ptr() >>> 0;
      const mem = new Uint8Array(ex.memory.buffer);
      const n = Math.min(len, GUEST_ERROR_MESSAGE_MAX_BYTES);
      if (ptr + n > mem.length) return '';
      return utf8.decode(mem.subarray(ptr, ptr + n));
    } catch {
      return '';
    }
  }

  private classifyTrap(ex: GuestExports, err: unknown, context: string): ModuleError {
    this.broken = true;
    const trapText = err instanceof Error ? err.message : String(err);
    const guest = this.guestMessage(ex);
    const atLimit = memoryLimitError(ex.memory, this.limits.memoryMaxBytes, context, guest || trapText, err);
    if (atLimit !== null) return atLimit;
    if (guest) return new ModuleError(ABI_ERROR.GUEST, `${context}: ${guest}`, 'guest-error', { cause: err });
    return new ModuleError(ABI_ERROR.TRAP, `${context}: ${trapText}`, 'trap', { cause: err });
  }

  /**
   * One guest call for a whole batch. `input` is encodeBatch() bytes (any buffer, shared too, is
   * only read); `state` the aggregate accumulator (null before the first batch). Returns the
   * encoded output batch and the new state (aggregate) or null. Throws ModuleError.
   */
  processEncoded(input: Uint8Array, state: Uint8Array | null, options: ProcessOptions = {}): { output: Uint8Array; state: Uint8Array | null } {
    checkProcessInput(input, state);
    if (this.broken) {
      this.exports = this.instantiate();
      this.broken = false;
    }
    const ex = this.exports;
    const inCount = input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24);
    const useState = this.rules.usesState;
    this.logCalls = 0;
    let rc: number;
    try {
      const inPtr = ex.sluice_alloc(input.length) >>> 0;
      const statePtr = useState && state !== null ? ex.sluice_alloc(state.length) >>> 0 : 0;
      this.copyIn(ex, input, inPtr);
      if (useState && state !== null) this.copyIn(ex, state, statePtr);
      rc = ex.sluice_process(inPtr, input.length, statePtr, useState && state !== null ? state.length : -1);
    } catch (err) {
      if (err instanceof ModuleError) {
        this.broken = true;
        throw err;
      }
      throw this.classifyTrap(ex, err, 'trap');
    }
    if (rc < 0) {
      // A guest may stop at the output bound itself (ABI.md §6) rather than fill its memory.
      const kind = rc === ABI_ERROR.OUTPUT_TOO_LARGE ? 'output-too-large' : 'guest-error';
      throw new ModuleError(rc, this.guestMessage(ex) || abiErrorName(rc), kind);
    }

    const memoryBytes = ex.memory.buffer.byteLength;
    if (this.limits.memoryMaxBytes !== undefined && memoryBytes > this.limits.memoryMaxBytes) {
      this.broken = true;
      throw new ModuleError(ABI_ERROR.MEMORY_LIMIT, `guest memory grew to ${memoryBytes} bytes, over the limit of ${this.limits.memoryMaxBytes}`, 'memory-limit');
    }
    const mem = this.memoryView(ex);
    const outMax = this.limits.outputMaxBytes ?? OUTPUT_BATCH_MAX_BYTES;
    const outLen = ex.sluice_output_len();
    if (outLen > outMax) {
      throw new ModuleError(ABI_ERROR.OUTPUT_TOO_LARGE, `output batch of ${outLen} bytes exceeds the limit of ${outMax} bytes`, 'output-too-large');
    }
    const outPtr = ex.sluice_output_ptr() >>> 0;
    if (outLen < 4 || outPtr + outLen > mem.length) {
      throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `output region ${outPtr}+${outLen} is not a batch inside guest memory`, 'guest-error');
    }
    const region = mem.subarray(outPtr, outPtr + outLen);
    const output = options.outputView === true ? region : (options.outputBuffers?.copyOf(region) ?? region.slice());
    const outCount = output[0]! | (output[1]! << 8) | (output[2]! << 16) | (output[3]! << 24);
    if (outCount !== rc) {
      throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `sluice_process returned ${rc} but the output batch holds ${outCount} records`, 'guest-error');
    }
    const why = this.rules.checkOutputCount(inCount, outCount);
    if (why) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, why, 'guest-error');
    // No host reads a malformed batch: its layout is checked here, beside the module.
    const malformed = batchLayoutError(region);
    if (malformed !== null) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `output batch: ${malformed}`, 'guest-error');

    let newState: Uint8Array | null = null;
    if (useState) {
      const len = ex.sluice_state_len!();
      const bad = checkStateLength(len);
      if (bad) throw new ModuleError(len > 0 ? ABI_ERROR.OUTPUT_TOO_LARGE : ABI_ERROR.BAD_OUTPUT, bad, len > 0 ? 'output-too-large' : 'guest-error');
      const ptr = ex.sluice_state_ptr!() >>> 0;
      if (ptr + len > mem.length) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `state region ${ptr}+${len} lies outside guest memory`, 'guest-error');
      newState = mem.slice(ptr, ptr + len);
    }
    return { output, state: newState };
  }

  /** Convenience for tests and the CLI: encode, one guest call, decode. */
  process(records: HostRecord[], state: Uint8Array | null = null): { records: HostRecord[]; state: Uint8Array | null } {
    const { output, state: next } = this.processEncoded(encodeBatch(records), state);
    return { records: decodeBatch(output), state: next };
  }
}
