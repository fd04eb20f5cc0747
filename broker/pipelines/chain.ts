/**
 * One step of a pipeline: a batch of source records through every module of the chain, the output
 * of each the input of the next, each aggregate with its state. A failure is handled by the
 * pipeline's policy: `skip` and `dead-letter` find the records the chain fails on by halving the
 * batch (states threaded through the halves in order, so a left-out record never reaches an
 * aggregate) and leave them out, or send them to the dead-letter topic as they were, with the
 * error in their headers; `halt` stops the pipeline at the batch.
 */
import { decodeBatch, encodeBatch, DEAD_LETTER_HEADER, type HostRecord } from '../../runtime/index.js';
import { SandboxError } from '../../runtime/sandbox/errors.js';
import { PIPELINE_ISOLATE_CALLS_MAX } from '../constants.js';
import type { AttachmentInfo, Log } from '../log/index.js';
import type { AttachmentRuntime, ModuleHost } from '../smartmodules/module-host.js';
import { RECORD_FAILURES, takenRecords } from '../smartmodules/source-records.js';
import { packAbiInput, requestKafkaOutput } from '../smartmodules/kafka-input.js';

/** Headers a dead-lettered record gets beside the module's error (sluice.error.*). */
export const DEAD_LETTER_SOURCE_HEADER = {
  topic: 'sluice.source.topic',
  partition: 'sluice.source.partition',
  offset: 'sluice.source.offset',
} as const;

export interface ChainFailure {
  kind: string;
  message: string;
  /** The module of the chain that failed. */
  module: string;
  firstOffset: bigint;
  lastOffset: bigint;
  records: number;
}

/**
 * A step's output: the derived topic's record set itself, made in the last module's worker; or
 * the records kept after failures were left out.
 */
export type StepOutput = { recordSet: Uint8Array } | { records: HostRecord[] };

export type StepResult =
  /**
   * The chain ran: its output, the new states, dead letters, and the source records it covered
   * and the offset after them.
   */
  | { status: 'ok'; output: StepOutput; states: (Uint8Array | null)[]; deadLetters: HostRecord[]; failures: ChainFailure[]; records: number; to: bigint }
  /** Nothing ran (the sandbox's queue is full or it is closing): try the same step later. */
  | { status: 'retry'; reason: string }
  /** The pipeline's policy is halt and the chain failed. */
  | { status: 'halt'; failure: ChainFailure };

class RetryLater extends Error {}

class ChainError extends Error {
  constructor(readonly failed: SandboxError, readonly module: string) {
    super(failed.message);
  }
}

const utf8 = new TextEncoder();

/**
 * Runs `input` (an ABI batch, or with `convert` Kafka batches packed by packKafkaInput for the
 * first module's worker to convert; handed over) through every module; rejects with ChainError
 * or RetryLater. `converted` says what a converted input held. With `recordSetOf`, a later last
 * module's worker gives back the derived topic's record set in batches of at most that many bytes
 * (a first module's asks for it in its own input, see runStep).
 */
async function runChain(
  host: ModuleHost, steps: AttachmentRuntime[], input: Uint8Array, states: (Uint8Array | null)[], convert = false, recordSetOf?: number,
): Promise<{ output: Uint8Array; states: (Uint8Array | null)[]; converted?: { records: number; resumeAt: bigint } }> {
  const next = [...states];
  let data = input;
  let converted: { records: number; resumeAt: bigint } | undefined;
  for (let i = 0; i < steps.length; i++) {
    const rt = steps[i]!;
    try {
      // Each input is handed over (the sandbox may answer in its buffer): it is never given back here.
      const state = rt.handle.kind === 'aggregate' ? states[i] ?? null : null;
      let r: { output: Uint8Array; state: Uint8Array | null };
      if (i === 0 && convert) ({ converted, ...r } = await host.convertAndCall(rt, data, state));
      else if (i > 0 && i === steps.length - 1 && recordSetOf !== undefined) {
        // The module gets the ABI batch as it is; its worker renumbers its output into the record set.
        const packed = packAbiInput(data, rt.buffers);
        steps[i - 1]!.buffers.give(data);
        requestKafkaOutput(packed, { renumberInBatchesOf: recordSetOf });
        r = await host.convertAndCall(rt, packed, state);
      } else r = await host.callWithState(rt, data, state);
      data = r.output;
      if (rt.handle.kind === 'aggregate') next[i] = r.state;
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      if (err.kind === 'queue-full' || err.kind === 'closed') throw new RetryLater(err.message);
      throw new ChainError(err, rt.handle.label);
    }
  }
  return converted === undefined ? { output: data, states: next } : { output: data, states: next, converted };
}

/** A source record as the dead-letter topic gets it: as it was, with where it came from and why it failed. */
function deadLetter(r: HostRecord, source: string, partition: number, f: ChainFailure): HostRecord {
  return {
    ...r,
    headers: [
      ...r.headers,
      { key: DEAD_LETTER_SOURCE_HEADER.topic, value: utf8.encode(source) },
      { key: DEAD_LETTER_SOURCE_HEADER.partition, value: utf8.encode(String(partition)) },
      { key: DEAD_LETTER_SOURCE_HEADER.offset, value: utf8.encode(String(r.offset)) },
      { key: DEAD_LETTER_HEADER.module, value: utf8.encode(f.module) },
      { key: DEAD_LETTER_HEADER.kind, value: utf8.encode(f.kind) },
      { key: DEAD_LETTER_HEADER.message, value: utf8.encode(f.message) },
    ],
  };
}

/**
 * Runs one step: `input` holds the source's Kafka batches spanning `first`..`last` (packKafkaInput,
 * at most `maxRecords` records taken), converted in the first module's worker; the last module's
 * worker gives back the output as a record set in batches of at most `batchBytes`. The states
 * passed in stay the caller's; the new ones come back only with an ok result.
 */
export async function runStep(
  host: ModuleHost, log: Pick<Log, 'read'>, pipeline: AttachmentInfo, steps: AttachmentRuntime[], partition: number,
  input: Uint8Array, first: bigint, last: bigint, maxRecords: number, states: (Uint8Array | null)[], batchBytes: number,
): Promise<StepResult> {
  try {
    if (steps.length === 1) requestKafkaOutput(input, { renumberInBatchesOf: batchBytes });
    const r = await runChain(host, steps, input, states, true, batchBytes);
    const { records, resumeAt } = r.converted!;
    return { status: 'ok', output: { recordSet: r.output }, states: r.states, deadLetters: [], failures: [], records, to: resumeAt };
  } catch (err) {
    if (err instanceof RetryLater) return { status: 'retry', reason: err.message };
    if (!(err instanceof ChainError)) throw err;
    // The input went to the sandbox: its records are read again (the rare path), at most the
    // `maxRecords` a step takes, and the step covers them.
    const { records, end: to } = await takenRecords(log, pipeline.source, partition, first, last, maxRecords);
    const failure: ChainFailure = { kind: err.failed.kind, message: err.failed.message, module: err.module, firstOffset: first, lastOffset: to - 1n, records: records.length };
    if (pipeline.onError === 'halt') return { status: 'halt', failure };
    try {
      return { ...(await isolate(host, steps, pipeline, partition, records, states, failure)), records: records.length, to };
    } catch (inner) {
      if (inner instanceof RetryLater) return { status: 'retry', reason: inner.message };
      throw inner;
    }
  }
}

/**
 * Halves `records` until the failing ones are found (at most PIPELINE_ISOLATE_CALLS_MAX more
 * chain runs), running the halves in order with the states threaded through. A deadline or a
 * dead worker is not halved (it would cost a deadline per half): the whole set is failed.
 */
async function isolate(
  host: ModuleHost, steps: AttachmentRuntime[], pipeline: AttachmentInfo, partition: number,
  records: HostRecord[], states: (Uint8Array | null)[], first: ChainFailure,
): Promise<Omit<Extract<StepResult, { status: 'ok' }>, 'records' | 'to'>> {
  const output: HostRecord[] = [];
  const deadLetters: HostRecord[] = [];
  const failures: ChainFailure[] = [];
  let current = [...states];
  let runs = 0;
  const fail = (rs: readonly HostRecord[], f: ChainFailure): void => {
    const failure = { ...f, firstOffset: rs[0]!.offset, lastOffset: rs[rs.length - 1]!.offset, records: rs.length };
    failures.push(failure);
    if (pipeline.onError === 'dead-letter') for (const r of rs) deadLetters.push(deadLetter(r, pipeline.source, partition, failure));
  };
  const visit = async (rs: HostRecord[], known: ChainFailure | null): Promise<void> => {
    let failure = known;
    if (failure === null) {
      runs++;
      try {
        const r = await runChain(host, steps, encodeBatch(rs, steps[0]!.buffers), current);
        output.push(...decodeBatch(r.output));
        steps[steps.length - 1]!.buffers.give(r.output);
        current = r.states;
        return;
      } catch (err) {
        if (!(err instanceof ChainError)) throw err;
        failure = { kind: err.failed.kind, message: err.failed.message, module: err.module, firstOffset: rs[0]!.offset, lastOffset: rs[rs.length - 1]!.offset, records: rs.length };
      }
    }
    if (rs.length === 1 || !RECORD_FAILURES.has(failure.kind) || runs + 2 > PIPELINE_ISOLATE_CALLS_MAX) {
      fail(rs, failure);
      return;
    }
    const mid = rs.length >> 1;
    await visit(rs.slice(0, mid), null);
    await visit(rs.slice(mid), null);
  };
  if (records.length > 0) await visit(records, first);
  return { status: 'ok', output: { records: output }, states: current, deadLetters, failures };
}
