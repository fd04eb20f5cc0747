/**
 * Kafka RecordBatch v2 to SmartModule ABI v1 batches (sdk/ABI.md §4), byte to byte, with no
 * record objects in between: the record path converts every record it hands a module, so this is
 * the hot loop of views, derived topics and produce checks. Kafka bytes are read with the protocol
 * Reader; an ABI batch is written through one DataView with one bounds check per record. The way
 * back, a module's output to a Kafka batch, is abi-to-kafka.ts.
 */
import { ABI_COUNT_BYTES, INPUT_BATCH_MAX_BYTES, RECORD_HEADERS_MAX } from '../../runtime/constants.js';
import { isUtf8At } from '../../runtime/abi/batch.js';
import type { BatchBuffers } from '../../runtime/index.js';
import { RECORD_BATCH_DECOMPRESSED_MAX_BYTES, SPAN_WORD_COPY_MAX_BYTES } from '../constants.js';
import { corrupt } from '../protocol/codecs/errors.js';
import { ProtocolError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import {
  isControlBatch, isLogAppendTime, parseBatchHeader, recordsSection, type RecordBatchHeader,
} from '../protocol/record-batch.js';

/** How a conversion that would pass INPUT_BATCH_MAX_BYTES fails (a RangeError), also when a sandbox worker reports it. */
const ABI_BATCH_TOO_LARGE = 'ABI batch would exceed INPUT_BATCH_MAX_BYTES';

/** True for a converter's failure (a sandbox error of kind 'input') on records too large for one module call, not malformed ones. */
export function isTooLargeForModule(err: { kind: string; message: string }): boolean {
  return err.kind === 'input' && err.message.includes(ABI_BATCH_TOO_LARGE);
}

/**
 * Builds one ABI input batch from Kafka batches, record by record, into a buffer taken from a
 * pipeline's BatchBuffers (grown by doubling when a record does not fit).
 */
export class AbiBatchBuilder {
  #buffers: BatchBuffers | undefined;
  #out: Uint8Array;
  #view: DataView;
  #pos = ABI_COUNT_BYTES;
  #count = 0;
  #first: number | bigint = -1;
  #last: number | bigint = -1;
  /** The records section spans are copied from, and a view of it (made once per section). */
  #src: Uint8Array | null = null;
  #srcView: DataView | null = null;
  /** The current Kafka batch's base offset and timestamps, for addRecordDelta. */
  #baseOffset = 0;
  #baseTimestamp = 0;
  #maxTimestamp = 0;
  #logAppendTime = false;

  constructor(buffers?: BatchBuffers, initialBytes = 64 * 1024) {
    this.#buffers = buffers;
    this.#out = this.#take(initialBytes);
    this.#view = new DataView(this.#out.buffer, this.#out.byteOffset, this.#out.byteLength);
  }

  get count(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#pos;
  }

  /** Source offsets of the first and last record added (-1n when empty). */
  get firstOffset(): bigint {
    return BigInt(this.#first);
  }

  get lastOffset(): bigint {
    return BigInt(this.#last);
  }

  #take(size: number): Uint8Array {
    return this.#buffers === undefined ? new Uint8Array(size) : this.#buffers.take(size);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#out.byteLength) return;
    if (this.#pos + n > INPUT_BATCH_MAX_BYTES) throw new RangeError(`${ABI_BATCH_TOO_LARGE} (${INPUT_BATCH_MAX_BYTES})`);
    let cap = this.#out.byteLength * 2;
    while (cap < this.#pos + n) cap *= 2;
    const next = this.#take(Math.min(cap, INPUT_BATCH_MAX_BYTES));
    next.set(this.#out.subarray(0, this.#pos));
    this.#buffers?.give(this.#out);
    this.#out = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** An i64, little-endian: from a number on the hot path (exact below 2^53), a BigInt beyond. */
  #put64(v: number | bigint): void {
    if (typeof v === 'bigint') this.#view.setBigInt64(this.#pos, v, true);
    else {
      const hi = Math.floor(v / 4294967296);
      this.#view.setUint32(this.#pos, v - hi * 4294967296, true);
      this.#view.setInt32(this.#pos + 4, hi, true);
    }
    this.#pos += 8;
  }

  /** Copies `len` bytes of `src` from `at` (len -1: null), into room the caller ensured, allocating nothing up to SPAN_WORD_COPY_MAX_BYTES. */
  #putSpan(src: Uint8Array, at: number, len: number): void {
    const view = this.#view;
    view.setInt32(this.#pos, len, true);
    this.#pos += 4;
    if (len <= 0) return;
    const p = this.#pos;
    if (len <= SPAN_WORD_COPY_MAX_BYTES) {
      const from = this.#srcView!;
      let i = 0;
      for (; i + 4 <= len; i += 4) view.setUint32(p + i, from.getUint32(at + i, true), true);
      const out = this.#out;
      for (; i < len; i++) out[p + i] = src[at + i]!;
    } else this.#out.set(src.subarray(at, at + len), p);
    this.#pos += len;
  }

  /**
   * The Kafka batch the next addRecordDelta calls come from: offsets and timestamps as numbers
   * (exact below 2^53), so the hot loop passes small deltas and boxes no double per record.
   * Under LogAppendTime every record takes the batch's max timestamp.
   */
  setBatch(baseOffset: number, baseTimestamp: number, maxTimestamp: number, logAppendTime: boolean): void {
    this.#baseOffset = baseOffset;
    this.#baseTimestamp = baseTimestamp;
    this.#maxTimestamp = maxTimestamp;
    this.#logAppendTime = logAppendTime;
  }

  /** addRecord for a record of the batch given to setBatch, by its offset and timestamp deltas. */
  addRecordDelta(offsetDelta: number, timestampDelta: number, r: Reader, end: number, index: number): void {
    this.#begin(r, end, index);
    const offset = this.#baseOffset + offsetDelta;
    this.#put64(offset);
    this.#put64(this.#logAppendTime ? this.#maxTimestamp : this.#baseTimestamp + timestampDelta);
    this.#putFields(r, end, index);
    this.#added(offset);
  }

  /**
   * Appends one Kafka record in ABI layout: `r` reads the records section and stands after the
   * record's offset delta; the record must end exactly at `end`.
   */
  addRecord(offset: number | bigint, timestampMs: number | bigint, r: Reader, end: number, index: number): void {
    this.#begin(r, end, index);
    this.#put64(offset);
    this.#put64(timestampMs);
    this.#putFields(r, end, index);
    this.#added(offset);
  }

  /** Checks the record's start and makes room for all of it. */
  #begin(r: Reader, end: number, index: number): void {
    const section = r.buf;
    if (section !== this.#src) {
      this.#src = section;
      this.#srcView = new DataView(section.buffer, section.byteOffset, section.byteLength);
    }
    if (r.offset > end) throw corrupt(`record ${index} is shorter than its offset and timestamp`);
    // Room for the whole record at once: every Kafka byte left becomes at most 4 ABI bytes (a
    // one-byte length varint becomes an i32), plus the offset, timestamp and header count. A record
    // that bound would not let fit is measured by its varints instead.
    const rough = 20 + 4 * (end - r.offset);
    this.#ensure(this.#pos + rough <= INPUT_BATCH_MAX_BYTES ? rough : this.#measure(r, end));
  }

  /** Room a record needs: its bytes, 3 more for each of its length varints, offset and timestamp. */
  #measure(r: Reader, end: number): number {
    const m = new Reader(r.buf, r.offset, end);
    for (let f = 0; f < 2; f++) {
      const len = m.varint();
      if (len > 0) m.skip(len);
    }
    // A count past the bound is refused by #putFields before any header is written.
    const headers = Math.min(Math.max(m.varint(), 0), RECORD_HEADERS_MAX);
    return 16 + (end - r.offset) + 3 * (3 + 2 * headers);
  }

  /** Key, value and headers, from `r` to exactly `end`. */
  #putFields(r: Reader, end: number, index: number): void {
    const section = r.buf;
    for (let f = 0; f < 2; f++) {
      const len = r.varint();
      if (len < -1 || len > end - r.offset) throw corrupt(`record ${index} has a ${f === 0 ? 'key' : 'value'} of length ${len}, past its end`);
      const at = r.offset;
      if (len > 0) r.skip(len);
      this.#putSpan(section, at, len);
    }
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > RECORD_HEADERS_MAX || headerCount > end - r.offset) throw corrupt(`record ${index} has ${headerCount} headers`);
    this.#view.setInt32(this.#pos, headerCount, true);
    this.#pos += 4;
    for (let h = 0; h < 2 * headerCount; h++) {
      const len = r.varint();
      if (len < (h % 2 === 0 ? 0 : -1) || len > end - r.offset) throw corrupt(`record ${index} has a header ${h % 2 === 0 ? 'key' : 'value'} of length ${len}`);
      const at = r.offset;
      if (len > 0) r.skip(len);
      if (h % 2 === 0 && !isUtf8At(section, at, len)) throw corrupt(`record ${index} has a header key that is not UTF-8`);
      this.#putSpan(section, at, len);
    }
    if (r.offset !== end) throw corrupt(`record ${index} ends at byte ${r.offset} of its section, not at ${end} as its length says`);
  }

  #added(offset: number | bigint): void {
    if (this.#count === 0) this.#first = offset;
    this.#last = offset;
    this.#count++;
  }

  /** The finished ABI batch: a view at the start of its buffer (hand it over with the buffers). */
  finish(): Uint8Array {
    this.#view.setUint32(0, this.#count, true);
    return this.#out.subarray(0, this.#pos);
  }

  /** Returns the buffer unused (nothing to run). */
  discard(): void {
    this.#buffers?.give(this.#out);
  }
}

/**
 * Where a walk over a batch's records may start: its records section (inflated when compressed),
 * and a record boundary (`at` bytes in, the `index`th record) every record before which has an
 * offset below `offset`. A cursor given one skips the walk up to it.
 */
export interface RecordsResume {
  section: Uint8Array;
  at: number;
  index: number;
  offset: bigint;
}

/** Records sections kept between cursors (kafka-input.ts, the worker's cache of inflated batches). */
export interface RecordsSections {
  /** The section of `batch` and where to start in it for records from `from` on, if kept. */
  find(batch: Uint8Array, header: RecordBatchHeader, from: bigint): RecordsResume | undefined;
}

/** Where a cursor stopped inside a batch: the batch, and a RecordsResume for the next record. */
export interface CursorStop extends RecordsResume {
  batch: Uint8Array;
  header: RecordBatchHeader;
}

/**
 * Walks the records of a list of whole Kafka batches from an offset on, handing them to ABI
 * builders call by call. Control batches (transaction markers) are passed over; every batch is
 * inflated and parsed once, however many calls its records are split across.
 */
export class KafkaRecordCursor {
  readonly #batches: readonly Uint8Array[];
  readonly #from: bigint;
  readonly #sections: RecordsSections | undefined;
  #index = -1;
  #header: RecordBatchHeader | null = null;
  #reader: Reader | null = null;
  #section: Uint8Array | null = null;
  #recordIndex = 0;
  #next: bigint;
  #exact = true;
  #baseOffset = 0;
  #baseTimestamp = 0;
  #maxTimestamp = 0;
  #fromNumber = 0;
  #logAppend = false;
  /** The offset after the last record taken on the exact path, -1 when folded into #next. */
  #nextNumber = -1;

  constructor(batches: readonly Uint8Array[], fromOffset: bigint, sections?: RecordsSections) {
    this.#batches = batches;
    this.#from = fromOffset;
    this.#next = fromOffset;
    this.#sections = sections;
  }

  /** Where the last fill stopped when that was inside a batch with records left, else null. */
  get stop(): CursorStop | null {
    if (this.#reader === null || this.#header === null || this.#recordIndex >= this.#header.recordCount) return null;
    return { batch: this.#batches[this.#index]!, header: this.#header, section: this.#section!, at: this.#reader.offset, index: this.#recordIndex, offset: this.nextOffset };
  }

  /** The offset after everything consumed so far: where a later read resumes. */
  get nextOffset(): bigint {
    this.#foldNext();
    return this.#next;
  }

  /** Folds the hot loop's number into the BigInt position. */
  #foldNext(): void {
    if (this.#nextNumber < 0) return;
    const n = BigInt(this.#nextNumber);
    if (n > this.#next) this.#next = n;
    this.#nextNumber = -1;
  }

  /** True when the current batch is spent and no batch is left. */
  get done(): boolean {
    return this.#reader === null && this.#index + 1 >= this.#batches.length;
  }

  /** Moves to the next batch that has records at or after the start offset; false when none is left. */
  #openNext(): boolean {
    while (++this.#index < this.#batches.length) {
      const batch = this.#batches[this.#index]!;
      const header = parseBatchHeader(batch);
      const end = header.baseOffset + BigInt(header.lastOffsetDelta);
      if (end < this.#from) continue;
      if (isControlBatch(header.attributes) || header.recordCount === 0) {
        if (end + 1n > this.#next) this.#next = end + 1n;
        continue;
      }
      this.#header = header;
      const kept = this.#sections?.find(batch, header, this.#from);
      this.#section = kept?.section ?? recordsSection(batch, header, RECORD_BATCH_DECOMPRESSED_MAX_BYTES);
      this.#reader = new Reader(this.#section, kept?.at ?? 0);
      this.#recordIndex = kept?.index ?? 0;
      // Offsets and timestamps as numbers where they are exact (always, in practice): no BigInt per record.
      const exactLimit = BigInt(Number.MAX_SAFE_INTEGER) - 2n ** 33n;
      const small = (v: bigint): boolean => v < exactLimit && v > -exactLimit;
      this.#exact = small(header.baseOffset) && small(header.baseTimestamp) && small(header.maxTimestamp) && small(this.#from);
      this.#baseOffset = Number(header.baseOffset);
      this.#baseTimestamp = Number(header.baseTimestamp);
      this.#maxTimestamp = Number(header.maxTimestamp);
      this.#fromNumber = Number(this.#from);
      this.#logAppend = isLogAppendTime(header.attributes);
      if (header.recordCount < 0 || header.recordCount - this.#recordIndex > this.#reader.remaining) {
        throw corrupt(`record count ${header.recordCount} exceeds the ${this.#reader.remaining} bytes of records`);
      }
      return true;
    }
    return false;
  }

  /** Adds records to `builder` until it holds `maxRecords` or `maxBytes`, or the batches are spent. */
  fill(builder: AbiBatchBuilder, maxRecords: number, maxBytes: number): void {
    /** The batch the builder was last told of (setBatch). */
    let told: RecordBatchHeader | null = null;
    while (builder.count < maxRecords && builder.bytes < maxBytes) {
      if (this.#reader === null && !this.#openNext()) return;
      const header = this.#header!;
      const r = this.#reader!;
      if (this.#recordIndex >= header.recordCount) {
        if (r.remaining !== 0) throw corrupt(`batch at offset ${header.baseOffset} has ${r.remaining} bytes after its ${header.recordCount} records`);
        this.#foldNext();
        const end = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        if (end > this.#next) this.#next = end;
        this.#reader = null;
        continue;
      }
      const i = this.#recordIndex++;
      try {
        const length = r.varint();
        if (length < 0 || length > r.remaining) throw corrupt(`record ${i} length ${length} exceeds the ${r.remaining} bytes left`);
        const end = r.offset + length;
        r.int8(); // record attributes: unused
        const timestampDelta = r.varlongNumber();
        const offsetDelta = r.varint();
        if (this.#exact) {
          const offset = this.#baseOffset + offsetDelta;
          if (offset < this.#fromNumber) {
            r.skip(end - r.offset);
            continue;
          }
          if (told !== header) {
            builder.setBatch(this.#baseOffset, this.#baseTimestamp, this.#maxTimestamp, this.#logAppend);
            told = header;
          }
          builder.addRecordDelta(offsetDelta, timestampDelta, r, end, i);
          this.#nextNumber = offset + 1;
        } else {
          const offset = header.baseOffset + BigInt(offsetDelta);
          if (offset < this.#from) {
            r.skip(end - r.offset);
            continue;
          }
          builder.addRecord(offset, this.#logAppend ? header.maxTimestamp : header.baseTimestamp + BigInt(timestampDelta), r, end, i);
          this.#next = offset + 1n;
        }
      } catch (err) {
        if (err instanceof ProtocolError) throw corrupt(`malformed record in batch at offset ${header.baseOffset}: ${err.message}`, err);
        throw err;
      }
    }
  }
}
