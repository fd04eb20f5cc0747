/**
 * What a pipeline does with a batch its module could not process: skip it, hand its input records
 * to a dead-letter sink (with the error in their headers), or halt the pipeline. Every failure is
 * reported with the module, the error and the batch's offsets. The aggregate state belongs to the
 * caller: it is passed in and replaced only by the state a successful call returns, so a failed
 * call (trap, deadline, dead worker) never loses or half-applies it.
 */
import { decodeBatch, encodeBatch, type HostRecord } from './abi/batch.js';
import { BatchBuffers } from './abi/batch-buffers.js';
import { SandboxError, type SandboxErrorKind } from './sandbox/errors.js';
import type { ModuleHandle, ModuleRunner, RunOptions } from './sandbox/runner.js';

export type ErrorPolicyName = 'skip' | 'dead-letter' | 'halt';
export const ERROR_POLICY_NAMES: readonly ErrorPolicyName[] = ['skip', 'dead-letter', 'halt'];

/** Headers added to each dead-lettered record; values are UTF-8. */
export const DEAD_LETTER_HEADER = {
  module: 'sluice.error.module',
  moduleId: 'sluice.error.module-id',
  kind: 'sluice.error.kind',
  message: 'sluice.error.message',
  firstOffset: 'sluice.error.first-offset',
  lastOffset: 'sluice.error.last-offset',
} as const;

export interface BatchFailure {
  moduleId: string;
  moduleName: string | undefined;
  kind: SandboxErrorKind;
  message: string;
  /** Offsets of the batch's first and last input records (-1n for an empty batch). */
  firstOffset: bigint;
  lastOffset: bigint;
  recordCount: number;
  policy: ErrorPolicyName;
}

export function describeFailure(f: BatchFailure): string {
  const name = f.moduleName === undefined ? f.moduleId : `${f.moduleName} (${f.moduleId})`;
  return `module ${name} failed (${f.kind}) on offsets ${f.firstOffset}..${f.lastOffset} (${f.recordCount} records): ${f.message}`;
}

export class PipelineHaltedError extends Error {
  override readonly name = 'PipelineHaltedError';
  constructor(readonly failure: BatchFailure, options?: { cause?: unknown }) {
    super(`pipeline halted: ${describeFailure(failure)}`, options);
  }
}

/** Receives the input records of a failed batch, each already carrying the error headers. */
export type DeadLetterSink = (records: HostRecord[], failure: BatchFailure) => void | Promise<void>;

export type BatchOutcome =
  | { status: 'ok'; records: HostRecord[]; state: Uint8Array | null }
  /** The batch produced nothing; `state` is the unchanged input state. */
  | { status: 'skipped' | 'dead-lettered'; failure: BatchFailure; state: Uint8Array | null };

export interface ErrorPolicyOptions {
  policy: ErrorPolicyName;
  /** Required for 'dead-letter'. */
  deadLetter?: DeadLetterSink;
  /** Called for every failure before the policy acts (logs, metrics). */
  onFailure?: (failure: BatchFailure) => void;
}

/** Failures that are the pool's condition, not the batch's: the caller retries them; no policy applies. */
const NOT_THE_BATCH: ReadonlySet<SandboxErrorKind> = new Set<SandboxErrorKind>(['queue-full', 'closed']);

export class ErrorPolicy {
  readonly policy: ErrorPolicyName;
  #deadLetter: DeadLetterSink | undefined;
  #onFailure: ((failure: BatchFailure) => void) | undefined;
  /** The buffers this pipeline's batches are encoded into, recycled from batch to batch. */
  readonly buffers = new BatchBuffers();

  constructor(options: ErrorPolicyOptions) {
    if (!ERROR_POLICY_NAMES.includes(options.policy)) throw new RangeError(`unknown error policy ${String(options.policy)}; expected one of ${ERROR_POLICY_NAMES.join(', ')}`);
    if (options.policy === 'dead-letter' && options.deadLetter === undefined) throw new Error("error policy 'dead-letter' needs a dead-letter sink");
    this.policy = options.policy;
    this.#deadLetter = options.deadLetter;
    this.#onFailure = options.onFailure;
  }

  /**
   * Runs `records` through the module as one batch. Resolves with the output, or with what the
   * policy did; rejects with PipelineHaltedError under 'halt', and passes queue-full / closed
   * errors through untouched (nothing was run; retry later).
   */
  async runBatch(
    runner: ModuleRunner,
    handle: ModuleHandle,
    records: HostRecord[],
    state: Uint8Array | null = null,
    options?: RunOptions,
  ): Promise<BatchOutcome> {
    // The batch goes out in a recycled buffer, handed over whole (the sandbox may transfer it and
    // answer in it), the output comes in one; both go back to the buffers once the output is decoded.
    const input = encodeBatch(records, this.buffers);
    let result;
    try {
      result = await runner.run(handle, input, state, { ...options, buffers: this.buffers });
    } catch (err) {
      this.buffers.give(input);
      if (err instanceof SandboxError && NOT_THE_BATCH.has(err.kind)) throw err;
      return this.#fail(handle, records, state, err);
    }
    const output = decodeBatch(result.output);
    this.buffers.give(input);
    this.buffers.give(result.output);
    return { status: 'ok', records: output, state: handle.kind === 'aggregate' ? result.state : state };
  }

  async #fail(handle: ModuleHandle, records: HostRecord[], state: Uint8Array | null, err: unknown): Promise<BatchOutcome> {
    const failure: BatchFailure = {
      moduleId: handle.moduleId,
      moduleName: handle.name,
      kind: err instanceof SandboxError ? err.kind : 'trap',
      message: err instanceof Error ? err.message : String(err),
      firstOffset: records.length === 0 ? -1n : records[0]!.offset,
      lastOffset: records.length === 0 ? -1n : records[records.length - 1]!.offset,
      recordCount: records.length,
      policy: this.policy,
    };
    this.#onFailure?.(failure);
    switch (this.policy) {
      case 'skip':
        return { status: 'skipped', failure, state };
      case 'dead-letter':
        await this.#deadLetter!(records.map((r) => withErrorHeaders(r, failure)), failure);
        return { status: 'dead-lettered', failure, state };
      case 'halt':
        throw new PipelineHaltedError(failure, { cause: err });
    }
  }
}

function withErrorHeaders(record: HostRecord, f: BatchFailure): HostRecord {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  return {
    ...record,
    headers: [
      ...record.headers,
      { key: DEAD_LETTER_HEADER.module, value: utf8(f.moduleName ?? f.moduleId) },
      { key: DEAD_LETTER_HEADER.moduleId, value: utf8(f.moduleId) },
      { key: DEAD_LETTER_HEADER.kind, value: utf8(f.kind) },
      { key: DEAD_LETTER_HEADER.message, value: utf8(f.message) },
      { key: DEAD_LETTER_HEADER.firstOffset, value: utf8(f.firstOffset.toString()) },
      { key: DEAD_LETTER_HEADER.lastOffset, value: utf8(f.lastOffset.toString()) },
    ],
  };
}
