/**
 * Appends: checks a record set against its topic and partition, size bounds and producer
 * sequence, fixes its offsets (rewriting the batches' base offsets in place) and buffers it for
 * a flush. Offsets are handed out in buffer order; those of appends not yet durable are tracked
 * here until their entry lands, or forgotten when it fails.
 */
import { LOG_SEGMENT_MAX_BYTES } from '../constants.js';
import { parseRecordSet, setBaseOffset } from '../protocol/record-batch.js';
import { defer, type AppendBuffer, type PendingAppend } from './append-buffer.js';
import type { Op } from './manifest.js';
import { CorruptRecordError, RecordTooLargeError, UnknownPartitionError } from './errors.js';
import type { PendingProducer, Producers } from './producers.js';
import type { LogState } from './state.js';
import type { Topics } from './topics.js';
import type { AppendResult } from './types.js';
import type { ManifestAccess } from './part-deps.js';

export interface AppenderDeps extends Pick<ManifestAccess, 'checkWritable'> {
  state: LogState;
  topics: Topics;
  producers: Producers;
  buffer: AppendBuffer;
  /** Something was buffered: start a flush if one is due. */
  buffered: () => void;
}

export class Appender {
  /** Next offset to assign, for partitions with appends not yet durable (`topicId:partition`). */
  private readonly nextOffsets = new Map<string, bigint>();

  constructor(private readonly deps: AppenderDeps) {}

  /**
   * One or more RecordBatch v2 as the producer sent them (CRC already verified by the caller).
   * Resolves only after the segment object and its manifest entry are durable. The log takes
   * `recordSet` over: it rewrites the base offsets in place and may keep it (tail cache), so
   * the caller must not reuse it.
   */
  append(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    // Not an async function: the usual append returns its waiter's promise as is, instead of
    // a second promise that adopts it (two more microtasks and objects per append). Errors
    // still arrive as a rejected promise, never thrown.
    try {
      this.deps.checkWritable();
      return this.deps.buffer.isFull ? this.appendWhenSpace(topic, partition, recordSet) : this.appendNow(topic, partition, recordSet);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async appendWhenSpace(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    while (this.deps.buffer.isFull) {
      await this.deps.buffer.waitForSpace();
      this.deps.checkWritable();
    }
    return this.appendNow(topic, partition, recordSet);
  }

  /**
   * Appends several record sets (none idempotent) and writes `ops`, all in one manifest entry:
   * a pipeline's output and its position land together or not at all. Resolves once durable.
   */
  async commitUnit(appends: { topic: string; partition: number; recordSet: Uint8Array }[], ops: Op[]): Promise<void> {
    this.deps.checkWritable();
    while (this.deps.buffer.isFull) {
      await this.deps.buffer.waitForSpace();
      this.deps.checkWritable();
    }
    const pending: PendingAppend[] = [];
    try {
      for (const a of appends) {
        const p = this.prepare(a.topic, a.partition, a.recordSet, false);
        if (!('pending' in p)) throw new Error('log invariant: a unit append was taken for a duplicate');
        // The unit's promise is the one awaited; each append's own settles with it.
        p.promise.catch(() => undefined);
        pending.push(p.pending);
      }
    } catch (err) {
      // Offsets handed out to the appends prepared so far are taken back.
      for (const p of pending) this.forgetOffsets(p);
      throw err;
    }
    const d = defer<void>();
    this.deps.buffer.addUnit(pending, { ops, resolve: d.resolve, reject: d.reject });
    this.deps.buffered();
    return d.promise;
  }

  private appendNow(topic: string, partition: number, recordSet: Uint8Array): Promise<AppendResult> {
    const p = this.prepare(topic, partition, recordSet, true);
    if (!('pending' in p)) return p.duplicate;
    this.deps.buffer.addAppend(p.pending);
    this.deps.buffered();
    return p.promise;
  }

  /** The unit's appends that were prepared before one failed give their offsets back. */
  private forgetOffsets(a: PendingAppend): void {
    const k = `${a.topicId}:${a.partition}`;
    if (this.nextOffsets.get(k) === a.last + 1n) this.nextOffsets.set(k, a.first);
  }

  /**
   * Checks a record set and fixes its offsets (in buffer order): the pending append to buffer, or,
   * for an idempotent retry of a batch already written, the original's result.
   */
  private prepare(topic: string, partition: number, recordSet: Uint8Array, idempotence: boolean):
    { pending: PendingAppend; promise: Promise<AppendResult> } | { duplicate: Promise<AppendResult> } {
    const t = this.deps.topics.appendable(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions.length) throw new UnknownPartitionError(topic, partition);
    const batches = parseRecordSet(recordSet);
    if (batches.length === 0) throw new CorruptRecordError('no record batch');
    for (const b of batches) {
      if (b.bytes.byteLength > t.info.config.maxMessageBytes) throw new RecordTooLargeError(b.bytes.byteLength, t.info.config.maxMessageBytes);
      if (b.header.lastOffsetDelta < 0) throw new CorruptRecordError(`batch at byte ${b.position} has lastOffsetDelta ${b.header.lastOffsetDelta}`);
    }
    if (recordSet.byteLength > LOG_SEGMENT_MAX_BYTES / 2) throw new RecordTooLargeError(recordSet.byteLength, LOG_SEGMENT_MAX_BYTES / 2);

    const p = t.partitions[partition]!;
    const offsetKey = `${t.info.topicId}:${partition}`;
    const base = this.nextOffsets.get(offsetKey) ?? p.highWatermark;
    const first = batches[0]!.header;
    // Offsets counted as a double (int32 deltas, at most a segment of batches): one bigint, not three per batch.
    let count = 0;
    for (const b of batches) count += b.header.lastOffsetDelta + 1;
    const last = base + BigInt(count) - 1n;

    let producer: PendingProducer | undefined;
    if (first.producerId >= 0n && idempotence) {
      const headers = batches.map((b) => b.header);
      const dup = this.deps.producers.check(topic, partition, headers, p);
      if (dup) return { duplicate: dup };
      producer = this.deps.producers.describe(topic, partition, headers, base, last);
    }

    // Offsets are fixed now, in buffer order. Fresh memory costs more than the copy (page
    // faults), so a record set that is most of its buffer is kept as is; a small view into a
    // big buffer is copied so the tail cache never pins much more than it counts.
    const bytes = recordSet.byteLength * 2 >= recordSet.buffer.byteLength ? recordSet : recordSet.slice();
    let offset = base;
    let maxTimestamp = -1n;
    const views: Uint8Array[] = [];
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      // Kept as is, the parser's views already are the batches (no second view per batch).
      const view = bytes === recordSet ? b.bytes : bytes.subarray(b.position, b.position + b.bytes.byteLength);
      setBaseOffset(view, offset);
      views.push(view);
      if (i + 1 < batches.length) offset += BigInt(b.header.lastOffsetDelta + 1);
      if (b.header.maxTimestamp > maxTimestamp) maxTimestamp = b.header.maxTimestamp;
    }
    if (base < p.highWatermark) throw new Error(`log invariant: offset ${base} below high watermark ${p.highWatermark}`);
    if (batches.length > 1 && offset + BigInt(batches[batches.length - 1]!.header.lastOffsetDelta) !== last) {
      throw new Error(`log invariant: batches of ${topic}-${partition} do not end at ${last}`);
    }
    this.nextOffsets.set(offsetKey, last + 1n);

    const d = defer<AppendResult>();
    const pending: PendingAppend = { topic, topicId: t.info.topicId, partition, bytes, batches: views, first: base, last, maxTimestamp, producer, resolve: d.resolve, reject: d.reject };
    if (producer) this.deps.producers.track(producer, d.promise);
    return { pending, promise: d.promise };
  }

  /** The entry of `a` is applied: its partition's offsets and its producer state are durable. */
  landed(a: PendingAppend): AppendResult {
    const p = this.deps.state.partition(a.topic, a.partition);
    const k = `${a.topicId}:${a.partition}`;
    if (this.nextOffsets.get(k) === (p ? p.highWatermark : undefined) || !p) this.nextOffsets.delete(k);
    if (a.producer) this.deps.producers.landed(a.producer);
    if (p && p.highWatermark > (this.nextOffsets.get(k) ?? p.highWatermark)) throw new Error('log invariant: high watermark past next offset');
    return { baseOffset: a.first, logAppendTimeMs: -1n, logStartOffset: p?.logStart ?? 0n };
  }

  /** Every append not yet durable failed: the offsets and sequences they took are free again. */
  forgetPending(): void {
    this.nextOffsets.clear();
    this.deps.producers.forgetPending();
  }
}
