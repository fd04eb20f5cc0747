/**
 * A fetch on a view: read the source partition from the fetch offset, hand its records to the
 * module a call at a time, and answer with the records the module gave back, at their source
 * offsets. What the module dropped leaves a gap: clients move past gaps between batches by
 * themselves, and a trailing gap is closed with a batch that spans it, so every client reaches
 * the high watermark even through a view that keeps nothing (docs/smartmodules.md).
 */
import { ABI_ERROR, decodeBatch, encodeBatch, SandboxError, type HostRecord } from '../../runtime/index.js';
import {
  ATTACHMENT_OUTPUT_MAX_BYTES, VIEW_CALL_MAX_BYTES, VIEW_CALL_MAX_RECORDS, VIEW_FETCH_SCAN_MAX_BYTES, VIEW_ISOLATE_CALLS_MAX, VIEW_SOURCE_READ_MAX_BYTES,
} from '../constants.js';
import type { AttachmentInfo, Log } from '../log/index.js';
import { corrupt } from '../protocol/codecs/errors.js';
import { batchLastOffset, parseBatchHeader } from '../protocol/record-batch.js';
import { RECORD_FAILURES, takenRecords } from './source-records.js';
import { isTooLargeForModule } from './abi-kafka.js';
import { abiToRecordBatch } from './abi-to-kafka.js';
import { endOfBatches, firstBatchWithRecords, packKafkaInput, requestKafkaOutput, type InflatedBatches } from './kafka-input.js';
import { controlSpanBatch, emptySpanBatch, placeholderBatch } from './kafka-batches.js';
import type { AttachmentRuntime, ModuleHost } from './module-host.js';

/** How a trailing gap is closed for this client (see closeTrailingGap). */
export type GapStyle = 'control' | 'empty';

export interface ViewReadResult {
  /** Whole RecordBatch v2 objects, offsets absolute (the source's). */
  records: Uint8Array[];
  bytes: number;
  highWatermark: bigint;
  logStartOffset: bigint;
}

/** A view under the halt policy that stopped: its fetches fail until it is detached or re-attached. */
export class ViewHaltedError extends Error {
  override readonly name = 'ViewHaltedError';
  constructor(readonly view: string, readonly reason: string) {
    super(`view ${view} is halted: ${reason}`);
  }
}

/** A module call could not run now (its queue or the pool is full, or closing): the reader answers with what it has. */
class RetryLaterError extends Error {}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export type ViewLog = Pick<Log, 'read' | 'highWatermark' | 'logStartOffset' | 'haltAttachment'>;

export async function readView(
  host: ModuleHost,
  log: ViewLog,
  view: AttachmentInfo,
  partition: number,
  fetchOffset: bigint,
  maxBytes: number,
  gapStyle: GapStyle,
): Promise<ViewReadResult> {
  if (view.halted !== null) throw new ViewHaltedError(view.name, `${view.halted.reason} (partition ${view.halted.partition}, offset ${view.halted.offset})`);
  const hw = log.highWatermark(view.source, partition);
  const logStart = log.logStartOffset(view.source, partition);
  const out: Uint8Array[] = [];
  let bytes = 0;
  if (fetchOffset === hw) return { records: out, bytes, highWatermark: hw, logStartOffset: logStart };
  const rt = await host.runtimeFor(view);
  let scanned = fetchOffset;
  let lastKept = fetchOffset - 1n;
  let scanBudget = VIEW_FETCH_SCAN_MAX_BYTES;
  let highWatermark = hw;
  let logStartOffset = logStart;
  // A compressed batch whose records take more than one call is inflated once.
  const inflated: InflatedBatches = new WeakMap();
  scan: while (scanned < highWatermark && bytes < maxBytes && scanBudget > 0) {
    const read = await log.read(view.source, partition, scanned, Math.min(scanBudget, VIEW_SOURCE_READ_MAX_BYTES));
    highWatermark = read.highWatermark;
    logStartOffset = read.logStartOffset;
    const batches = read.records;
    if (batches.length === 0) break;
    for (const b of batches) scanBudget -= b.byteLength;
    let i = 0;
    for (;;) {
      // Batches with no record from `scanned` on are passed over here: control and empty
      // batches, and those the last call took in full.
      const next = firstBatchWithRecords(batches, scanned, i);
      if (next > i) {
        const end = endOfBatches(batches, next);
        if (end > scanned) scanned = end;
        i = next;
      }
      if (i === batches.length) break;
      // The worker converts the batches and takes records until a bound: the host only copies bytes.
      const packed = packKafkaInput(batches, i, scanned, VIEW_CALL_MAX_RECORDS, VIEW_CALL_MAX_BYTES, VIEW_CALL_MAX_BYTES, rt.buffers, inflated);
      let call: ViewCallResult;
      try {
        call = await runViewCall(host, log, rt, packed.input, partition, scanned, endOfBatches(batches, i + packed.batches) - 1n);
      } catch (err) {
        if (!(err instanceof RetryLaterError)) throw err;
        // Nothing of this call is answered: the client asks for it again.
        break scan;
      }
      const batch = call.batch;
      if (call.resumeAt <= scanned) throw new Error(`view ${view.name}: a call over offsets from ${scanned} resumed at ${call.resumeAt}`);
      scanned = call.resumeAt;
      if (batch !== null) {
        out.push(batch);
        bytes += batch.byteLength;
        lastKept = batchLastOffset(batch);
      }
      // Other connections run between calls.
      await yieldToEventLoop();
      if (bytes >= maxBytes || call.stopped) break scan;
    }
  }
  if (scanned - 1n > lastKept) {
    const first = lastKept + 1n > fetchOffset ? lastKept + 1n : fetchOffset;
    const now = BigInt(Date.now());
    const gap = gapStyle === 'control' ? [controlSpanBatch(first, scanned - 1n, now)] : emptyGapBatches(out.length === 0, fetchOffset, first, scanned - 1n, now);
    for (const b of gap) {
      out.push(b);
      bytes += b.byteLength;
    }
  }
  return { records: out, bytes, highWatermark, logStartOffset };
}

/**
 * A gap for clients that move on by batch headers but skip no control records (kafka-python 2.0):
 * an empty batch spanning it. Such a client also fails on an answer that yields no record at all,
 * so an answer with nothing else first gets one record below the fetch offset, which every client
 * skips (a compressed batch may start before the fetch offset too).
 */
function emptyGapBatches(alone: boolean, fetchOffset: bigint, first: bigint, last: bigint, now: bigint): Uint8Array[] {
  const span = emptySpanBatch(first, last, now);
  return alone ? [placeholderBatch(fetchOffset - 1n, now), span] : [span];
}


interface ViewCallResult {
  /** The output batch, null when the module kept nothing. */
  batch: Uint8Array | null;
  /** Where the scan goes on. */
  resumeAt: bigint;
  /** The answer stops at resumeAt (the output bound was reached). */
  stopped: boolean;
}

/**
 * One call over a packed input (kafka-input.ts) under the view's policy: the output batch, or,
 * under `skip`, the output of what did not fail; under `halt` the view is halted and the fetch
 * fails. `first`..`last` are the offsets the input spans, what a failure is reported against.
 */
async function runViewCall(
  host: ModuleHost, log: ViewLog, rt: AttachmentRuntime, input: Uint8Array, partition: number, first: bigint, last: bigint,
): Promise<ViewCallResult> {
  const started = performance.now();
  try {
    // The worker gives back the kept records as one Kafka batch at their source offsets.
    requestKafkaOutput(input);
    const { output, converted } = await host.convertAndCall(rt, input).finally(() => {
      // Copied into the worker's region, the input's buffer serves the next call (a transferred one is dropped).
      rt.buffers.give(input);
    });
    // The answer keeps the batch: a copy of its own, and the buffer serves the next call.
    const batch = output.byteLength === 0 ? null : output.slice();
    rt.buffers.give(output);
    rt.stats.call(converted.records, batch === null ? 0 : parseBatchHeader(batch).recordCount, performance.now() - started);
    return { batch, resumeAt: converted.resumeAt, stopped: false };
  } catch (err) {
    if (!(err instanceof SandboxError)) throw err;
    if (err.kind === 'queue-full' || err.kind === 'closed') throw new RetryLaterError(err.message);
    // The source's bytes are malformed: the fetch fails as it would reading them itself. A record
    // too large for a module's input is not: it fails the call under the view's policy.
    if (err.kind === 'input' && !isTooLargeForModule(err)) throw corrupt(err.message);
    if (rt.info.onError === 'halt') {
      // The input went to the sandbox: the records the call took are read again from the log (once per halt).
      const taken = await takenRecords(log, rt.info.source, partition, first, last, VIEW_CALL_MAX_RECORDS);
      const failure = { kind: err.kind, message: err.message, partition, firstOffset: String(first), lastOffset: String(taken.end - 1n), atMs: Date.now() };
      rt.stats.failure(failure, taken.records.length);
      host.logger.error({ view: rt.info.name, topic: rt.info.source, partition, offset: failure.firstOffset, lastOffset: failure.lastOffset, kind: err.kind, err: err.message }, 'view halted by a module failure');
      await log.haltAttachment('view', rt.info.name, rt.info.attachmentId, { partition, offset: first, reason: `${err.kind}: ${err.message}`, atMs: failure.atMs });
      throw new ViewHaltedError(rt.info.name, `${err.kind} at offset ${first}: ${err.message}`);
    }
    return skipFailing(host, log, rt, err, partition, first, last, started);
  }
}


/**
 * Skip policy: finds the records that make the module fail by halving the call (at most
 * VIEW_ISOLATE_CALLS_MAX more calls) and leaves out only those; a deadline or a dead worker
 * leaves out the whole call, since halving would cost a deadline per half. Every left-out range
 * is counted and logged with its offsets. Halves that succeed may together pass the output bound
 * that failed the whole call: the answer then stops before the half that would pass it.
 */
async function skipFailing(
  host: ModuleHost, log: ViewLog, rt: AttachmentRuntime, err: SandboxError, partition: number, first: bigint, last: bigint, started: number,
): Promise<ViewCallResult> {
  const kept: HostRecord[] = [];
  let keptBytes = 4;
  let resumeAt: bigint | undefined;
  let calls = 0;
  const skip = (rs: readonly HostRecord[], e: SandboxError): void => {
    const failure = {
      kind: e.kind, message: e.message, partition,
      firstOffset: String(rs[0]!.offset), lastOffset: String(rs[rs.length - 1]!.offset), atMs: Date.now(),
    };
    rt.stats.failure(failure, rs.length);
    host.logger.warn(
      { view: rt.info.name, topic: rt.info.source, partition, offset: failure.firstOffset, lastOffset: failure.lastOffset, records: rs.length, kind: e.kind, err: e.message },
      'view skipped records its module failed on',
    );
  };
  const isolate = async (rs: readonly HostRecord[], e: SandboxError): Promise<void> => {
    if (rs.length === 1 || !RECORD_FAILURES.has(e.kind) || calls + 2 > VIEW_ISOLATE_CALLS_MAX) {
      skip(rs, e);
      return;
    }
    const mid = rs.length >> 1;
    for (const half of [rs.slice(0, mid), rs.slice(mid)]) {
      if (resumeAt !== undefined) return;
      calls++;
      try {
        const out = await host.call(rt, encodeBatch(half, rt.buffers));
        try {
          if (keptBytes + out.byteLength - 4 > ATTACHMENT_OUTPUT_MAX_BYTES) {
            resumeAt = half[0]!.offset;
            return;
          }
          keptBytes += out.byteLength - 4;
          kept.push(...decodeModuleOutput(out, half[0]!.offset, half[half.length - 1]!.offset));
        } finally {
          rt.buffers.give(out);
        }
      } catch (inner) {
        if (!(inner instanceof SandboxError) || inner.kind === 'queue-full' || inner.kind === 'closed') throw new RetryLaterError(String(inner));
        await isolate(half, inner);
      }
    }
  };
  // The failed call's input went to the sandbox: the records are read again (this is the rare
  // path). The call took at most VIEW_CALL_MAX_RECORDS of them, so only those are looked at and
  // the scan goes on after them.
  const { records, end } = await takenRecords(log, rt.info.source, partition, first, last, VIEW_CALL_MAX_RECORDS);
  if (records.length > 0) await isolate(records, err);
  rt.stats.call(records.length, kept.length, performance.now() - started);
  const batch = kept.length === 0 ? null : abiToRecordBatch(encodeBatch(kept)).batch;
  return resumeAt === undefined ? { batch, resumeAt: end, stopped: false } : { batch, resumeAt, stopped: true };
}

/**
 * A module's ABI output over the records at `first`..`last` as records (the runtime checked its
 * layout). One whose offsets go back or leave that range is the module's failure (guest-error),
 * as the worker reports it for a converted call.
 */
function decodeModuleOutput(out: Uint8Array, first: bigint, last: bigint): HostRecord[] {
  const records = decodeBatch(out);
  let at = first;
  for (const r of records) {
    if (r.offset < at || r.offset > last) {
      throw new SandboxError('guest-error', `module output: record at offset ${r.offset}, outside its input's ${first}..${last} or before the record ahead of it`, ABI_ERROR.BAD_OUTPUT);
    }
    at = r.offset;
  }
  return records;
}
