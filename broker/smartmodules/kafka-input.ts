/**
 * Views hand their module the source's Kafka batches as stored, and the sandbox worker turns them
 * into ABI v1 next to the module (the pool's input converter, RunOptions.convert): the per-record
 * conversion runs on the worker's thread, not on the event loop every connection shares
 * (docs/sandbox.md, "The event loop").
 *
 * Input (little-endian): i64 the first offset wanted, u32 records at most, u32 ABI bytes at most,
 * the output wanted (OUTPUT_AT: u32 flags, i32 base sequence, i64 base offset, i64 last offset,
 * i64 producer id, i16 producer epoch, u16 what follows, u32 batch bytes at most), then whole
 * RecordBatch v2 objects to the end, or an ABI batch as it is (packAbiInput: a pipeline's later
 * module, whose record set the worker builds). With flags 0 the module's ABI output comes back as
 * it is; otherwise the worker makes it Kafka batches (requestKafkaOutput), so the event loop does no
 * per-record work either way. A compressed batch that fits the input goes as stored and the
 * worker inflates it, so inflating costs the event loop nothing; the worker keeps a
 * batch it stopped inside (InflatedSections), so one split across calls is inflated once. A
 * larger one (or an uncompressed batch past the bound) goes in windows the host cuts. The
 * converter takes records from the first offset on until a bound or the batches run out, and says
 * where the next input starts (ConvertedInput.resumeAt).
 */
import { BatchBuffers, batchRecordCount, type ConvertedInput, type InputConverter } from '../../runtime/index.js';
import { INPUT_BATCH_MAX_BYTES } from '../../runtime/constants.js';
import { CONVERTER_INFLATED_BATCHES_MAX_BYTES, CONVERTER_INFLATED_BATCHES_MAX_COUNT, RECORD_BATCH_DECOMPRESSED_MAX_BYTES } from '../constants.js';
import { Compression } from '../protocol/codecs/index.js';
import { corrupt } from '../protocol/codecs/errors.js';
import { ProtocolError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import { RECORD_BATCH_HEADER_BYTES, batchLastOffset, compressionOf, isControlBatch, parseBatchHeader, recordsSection, type RecordBatchHeader } from '../protocol/record-batch.js';
import { AbiBatchBuilder, KafkaRecordCursor, type CursorStop, type RecordsResume, type RecordsSections } from './abi-kafka.js';
import { abiToRecordBatch, outputRecordSet, type KafkaBatchOptions } from './abi-to-kafka.js';

export const KAFKA_INPUT_HEADER_BYTES = 56;
/** Where the header's output request starts (requestKafkaOutput). */
const OUTPUT_AT = 16;
/**
 * Output flags: the output comes back as one Kafka batch; its span and producer fields are given;
 * it is transactional; it is renumbered and cut into batches of at most the bytes given (a derived
 * topic's record set).
 */
const OUTPUT_KAFKA = 1;
const OUTPUT_SPAN = 2;
const OUTPUT_TRANSACTIONAL = 4;
const OUTPUT_RENUMBER = 8;
/** Where the header says what follows it (u16): Kafka batches, or one ABI batch as it is. */
const INPUT_KIND_AT = OUTPUT_AT + 34;
const INPUT_KAFKA = 0;
const INPUT_ABI = 1;
const EMPTY = new Uint8Array(0);
/** Bytes of a batch before its length field ends (baseOffset, batchLength): batchLength counts from here. */
const BATCH_LENGTH_END = 12;
/** Offset of the attributes (int16) in a batch header; bits 0-2 are the codec. */
const ATTRIBUTES_AT = 21;
/** Offset of the lastOffsetDelta (int32) in a batch header. */
const LAST_OFFSET_DELTA_AT = 23;
/** Offset of the record count (int32) in a batch header. */
const RECORD_COUNT_AT = 57;

/**
 * A batch's records section (inflated when compressed) and where the last window of it started
 * (see plainBatch), kept per fetch by batch: a batch split across calls is inflated once, and its
 * records are walked once.
 */
interface BatchRecords {
  records: Uint8Array;
  /** Byte, index and offset delta of the first record of the last window. */
  at: number;
  index: number;
  delta: number;
}
export type InflatedBatches = WeakMap<Uint8Array, BatchRecords>;

/**
 * A batch as it goes into an input: a compressed batch whose stored records fit `maxBytes` as
 * stored (`asStored`, the worker inflates it), any other its header and its records, inflated
 * when compressed. A records section over `maxBytes` goes in as a window: the records from the first at or after
 * `from`, at most `maxRecords` and `maxBytes` of them (always one), under a copy of the header
 * that counts only them, so that no call copies more than its bound of a batch however large it
 * inflates (RECORD_BATCH_DECOMPRESSED_MAX_BYTES).
 */
function plainBatch(
  batch: Uint8Array, inflated: InflatedBatches | undefined, from: bigint, maxRecords: number, maxBytes: number,
): { header: Uint8Array; records: Uint8Array; count: number; partial: boolean; asStored?: boolean } {
  const h = parseBatchHeader(batch);
  const header = batch.subarray(0, RECORD_BATCH_HEADER_BYTES);
  if (compressionOf(h.attributes) !== Compression.none && BATCH_LENGTH_END + h.batchLength - RECORD_BATCH_HEADER_BYTES <= maxBytes) {
    // As stored: the worker inflates it. Its records from `from` on, at most, count toward the call's.
    const stored = batch.subarray(RECORD_BATCH_HEADER_BYTES, BATCH_LENGTH_END + h.batchLength);
    const left = h.baseOffset + BigInt(h.lastOffsetDelta) + 1n - (from > h.baseOffset ? from : h.baseOffset);
    const count = left < BigInt(h.recordCount) ? Math.max(Number(left), 0) : h.recordCount;
    return { header, records: stored, count, partial: false, asStored: true };
  }
  let entry = inflated?.get(batch);
  if (entry === undefined) {
    entry = { records: recordsSection(batch, h, RECORD_BATCH_DECOMPRESSED_MAX_BYTES), at: 0, index: 0, delta: -1 };
    if (compressionOf(h.attributes) !== Compression.none || entry.records.byteLength > maxBytes) inflated?.set(batch, entry);
  }
  if (entry.records.byteLength <= maxBytes) return { header, records: entry.records, count: h.recordCount, partial: false };
  return recordsWindow(batch, h.baseOffset, h.recordCount, h.lastOffsetDelta, entry, from, maxRecords, maxBytes);
}

/** The window of a large batch that starts at its first record at or after `from` (plainBatch). */
function recordsWindow(
  batch: Uint8Array, baseOffset: bigint, recordCount: number, lastOffsetDelta: number, entry: BatchRecords, from: bigint, maxRecords: number, maxBytes: number,
): { header: Uint8Array; records: Uint8Array; count: number; partial: boolean } {
  const section = entry.records;
  const fromDelta = from <= baseOffset ? -1 : Number(from - baseOffset);
  // Walk on from the last window when it started at or before `from`, else from the start.
  const resume = entry.delta >= 0 && entry.delta <= fromDelta;
  let at = resume ? entry.at : 0;
  let index = resume ? entry.index : 0;
  let start = -1;
  let first = -1;
  let count = 0;
  let lastDelta = -1;
  const r = new Reader(section, at);
  try {
    while (index < recordCount) {
      const length = r.varint();
      const end = r.offset + length;
      if (length < 0 || end > section.byteLength) throw corrupt(`record ${index} length ${length} exceeds the batch's ${section.byteLength} bytes`);
      r.int8();
      r.varlongNumber();
      const delta = r.varint();
      if (start < 0 && delta >= fromDelta) {
        start = at;
        first = delta;
      }
      if (start >= 0) {
        if (count > 0 && (count >= maxRecords || end - start > maxBytes)) break;
        count++;
        lastDelta = delta;
      }
      r.skip(end - r.offset);
      at = end;
      index++;
      if (start < 0) {
        entry.at = at;
        entry.index = index;
        entry.delta = -1;
      }
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw corrupt(`malformed record in batch at offset ${baseOffset}: ${err.message}`, err);
    throw err;
  }
  if (start < 0) return { header: batch.subarray(0, RECORD_BATCH_HEADER_BYTES), records: section.subarray(section.byteLength), count: 0, partial: false };
  entry.at = start;
  entry.index = index - count;
  entry.delta = first;
  const header = batch.slice(0, RECORD_BATCH_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setInt32(RECORD_COUNT_AT, count, false);
  // A window that ends before the batch does spans up to its last record only.
  const partial = index < recordCount;
  view.setInt32(LAST_OFFSET_DELTA_AT, partial ? lastDelta : lastOffsetDelta, false);
  return { header, records: section.subarray(start, at), count, partial };
}

/**
 * Packs `batches` from index `start` (whole stored batches, the first at or before `from`) into one
 * input, in a buffer from `buffers`: as many as fit in `maxInputBytes` until they hold
 * `maxRecords` records, and always the first, so that a call that fails (and is reported and
 * skipped by the offsets its input spans) spans about what the converter takes. Compressed
 * batches are inflated, or taken from `inflated` when packed before. Returns the input and how
 * many batches it holds.
 */
export function packKafkaInput(
  batches: readonly Uint8Array[], start: number, from: bigint, maxRecords: number, maxAbiBytes: number, maxInputBytes: number, buffers: BatchBuffers,
  inflated?: InflatedBatches,
): { input: Uint8Array; batches: number } {
  const parts: { header: Uint8Array; records: Uint8Array; count: number; partial: boolean; asStored?: boolean }[] = [];
  let size = KAFKA_INPUT_HEADER_BYTES;
  let records = 0;
  for (let i = start; i < batches.length && records < maxRecords; i++) {
    const part = plainBatch(batches[i]!, inflated, from, maxRecords, maxInputBytes - KAFKA_INPUT_HEADER_BYTES - RECORD_BATCH_HEADER_BYTES);
    const bytes = RECORD_BATCH_HEADER_BYTES + part.records.byteLength;
    if (parts.length > 0 && size + bytes > maxInputBytes) break;
    parts.push(part);
    size += bytes;
    records += part.count;
    // The rest of a batch cut short comes in the next input: nothing after it may come first.
    if (part.partial) break;
  }
  const input = buffers.take(size);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  view.setBigInt64(0, from, true);
  view.setUint32(8, maxRecords, true);
  view.setUint32(12, maxAbiBytes, true);
  input.fill(0, OUTPUT_AT, KAFKA_INPUT_HEADER_BYTES);
  let at = KAFKA_INPUT_HEADER_BYTES;
  for (const { header, records, count, asStored } of parts) {
    input.set(header, at);
    if (asStored !== true) {
      // The batch as it is framed: uncompressed, its length that of the records it now holds.
      view.setInt32(at + RECORD_COUNT_AT, count, false);
      view.setInt32(at + 8, RECORD_BATCH_HEADER_BYTES - BATCH_LENGTH_END + records.byteLength, false);
      view.setInt16(at + ATTRIBUTES_AT, view.getInt16(at + ATTRIBUTES_AT, false) & ~0x07, false);
    }
    input.set(records, at + RECORD_BATCH_HEADER_BYTES);
    at += RECORD_BATCH_HEADER_BYTES + records.byteLength;
  }
  return { input, batches: parts.length };
}

/**
 * Packs an ABI batch (a pipeline module's output, the next module's input) as it is, in a buffer
 * from `buffers`, for a worker to give its module unchanged; its output may only be asked for as
 * a renumbered record set (requestKafkaOutput with `renumberInBatchesOf`), built in that worker.
 */
export function packAbiInput(abi: Uint8Array, buffers: BatchBuffers): Uint8Array {
  const input = buffers.take(KAFKA_INPUT_HEADER_BYTES + abi.byteLength);
  input.fill(0, 0, KAFKA_INPUT_HEADER_BYTES);
  new DataView(input.buffer, input.byteOffset, KAFKA_INPUT_HEADER_BYTES).setUint16(INPUT_KIND_AT, INPUT_ABI, true);
  input.set(abi, KAFKA_INPUT_HEADER_BYTES);
  return input;
}

/**
 * The options of a Kafka output: where its records may lie and the producer fields it carries;
 * or, with `renumberInBatchesOf`, a record set renumbered and cut into batches of at most that
 * many bytes (outputRecordSet), whatever the records' offsets.
 */
export type KafkaOutputOptions = Pick<KafkaBatchOptions, 'baseOffset' | 'lastOffset' | 'producerId' | 'producerEpoch' | 'baseSequence' | 'transactional'> & { renumberInBatchesOf?: number };

/**
 * Asks for a packed input's output as Kafka batches built in the worker instead of the module's
 * ABI batch: one batch (abiToRecordBatch with `options`), or with `renumberInBatchesOf` a derived
 * topic's record set (outputRecordSet); an empty array when the module kept nothing. For one
 * batch the worker refuses, as the module's bad output, records whose offsets go back or lie
 * outside those the call took.
 */
export function requestKafkaOutput(input: Uint8Array, options: KafkaOutputOptions = {}): void {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const span = options.baseOffset !== undefined && options.lastOffset !== undefined;
  const renumber = options.renumberInBatchesOf !== undefined;
  view.setUint32(OUTPUT_AT, OUTPUT_KAFKA | (span ? OUTPUT_SPAN : 0) | (options.transactional === true ? OUTPUT_TRANSACTIONAL : 0) | (renumber ? OUTPUT_RENUMBER : 0), true);
  view.setUint32(OUTPUT_AT + 36, options.renumberInBatchesOf ?? 0, true);
  view.setInt32(OUTPUT_AT + 4, options.baseSequence ?? -1, true);
  view.setBigInt64(OUTPUT_AT + 8, options.baseOffset ?? -1n, true);
  view.setBigInt64(OUTPUT_AT + 16, options.lastOffset ?? -1n, true);
  view.setBigInt64(OUTPUT_AT + 24, options.producerId ?? -1n, true);
  view.setInt16(OUTPUT_AT + 32, options.producerEpoch ?? -1, true);
}

/** The output an input asks for: null for the module's ABI batch as it is. */
function outputRequest(view: DataView): KafkaOutputOptions | null {
  const flags = view.getUint32(OUTPUT_AT, true);
  if ((flags & OUTPUT_KAFKA) === 0) return null;
  const options: KafkaOutputOptions = {
    producerId: view.getBigInt64(OUTPUT_AT + 24, true),
    producerEpoch: view.getInt16(OUTPUT_AT + 32, true),
    baseSequence: view.getInt32(OUTPUT_AT + 4, true),
    transactional: (flags & OUTPUT_TRANSACTIONAL) !== 0,
  };
  if ((flags & OUTPUT_SPAN) !== 0) {
    options.baseOffset = view.getBigInt64(OUTPUT_AT + 8, true);
    options.lastOffset = view.getBigInt64(OUTPUT_AT + 16, true);
  }
  if ((flags & OUTPUT_RENUMBER) !== 0) options.renumberInBatchesOf = view.getUint32(OUTPUT_AT + 36, true);
  return options;
}

/** Reads an input's header and splits its batches (views into it), or finds its ABI batch. */
function unpack(input: Uint8Array): { from: bigint; maxRecords: number; maxAbiBytes: number; output: KafkaOutputOptions | null; batches: Uint8Array[]; abi?: Uint8Array } {
  if (input.byteLength < KAFKA_INPUT_HEADER_BYTES) throw corrupt(`view input of ${input.byteLength} bytes has no header`);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const output = outputRequest(view);
  const kind = view.getUint16(INPUT_KIND_AT, true);
  if (kind === INPUT_ABI) {
    if (output !== null && output.renumberInBatchesOf === undefined) throw corrupt('an ABI input\'s output can only be a renumbered record set');
    return { from: 0n, maxRecords: 0, maxAbiBytes: 0, output, batches: [], abi: input.subarray(KAFKA_INPUT_HEADER_BYTES) };
  }
  if (kind !== INPUT_KAFKA) throw corrupt(`input of unknown kind ${kind}`);
  const batches: Uint8Array[] = [];
  let at = KAFKA_INPUT_HEADER_BYTES;
  while (at < input.byteLength) {
    if (input.byteLength - at < RECORD_BATCH_HEADER_BYTES) throw corrupt(`view input ends inside a batch header at byte ${at}`);
    const end = at + BATCH_LENGTH_END + view.getInt32(at + 8, false);
    if (end > input.byteLength || end < at + RECORD_BATCH_HEADER_BYTES) throw corrupt(`view input batch at byte ${at} claims to end at ${end} of ${input.byteLength}`);
    batches.push(input.subarray(at, end));
    at = end;
  }
  return { from: view.getBigInt64(0, true), maxRecords: view.getUint32(8, true), maxAbiBytes: view.getUint32(12, true), output, batches };
}

/**
 * Compressed batches a converter stopped inside, inflated, with where it stopped: the next input
 * holds the same batch as stored, and its walk goes on from there instead of inflating it again.
 * A batch is known by its stored bytes, compared whole. At most `maxCount` batches and `maxBytes`
 * inflated bytes are kept, the oldest dropped first.
 */
export class InflatedSections implements RecordsSections {
  readonly #entries: (RecordsResume & { stored: Uint8Array })[] = [];
  readonly #maxCount: number;
  readonly #maxBytes: number;
  /** Batches found kept, and batches kept (each inflated once more than it was found). */
  hits = 0;
  kept = 0;

  constructor(maxCount = CONVERTER_INFLATED_BATCHES_MAX_COUNT, maxBytes = CONVERTER_INFLATED_BATCHES_MAX_BYTES) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  #indexOf(batch: Uint8Array): number {
    const b = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
    return this.#entries.findIndex((e) => e.stored.byteLength === batch.byteLength && b.equals(e.stored));
  }

  find(batch: Uint8Array, header: RecordBatchHeader, from: bigint): RecordsResume | undefined {
    if (this.#entries.length === 0 || compressionOf(header.attributes) === Compression.none) return undefined;
    const i = this.#indexOf(batch);
    if (i < 0) return undefined;
    const e = this.#entries[i]!;
    this.hits++;
    // Resumed only when every record before the kept place is below `from`; else walked from the start.
    return e.offset <= from ? e : { section: e.section, at: 0, index: 0, offset: header.baseOffset };
  }

  /** Keeps where a cursor stopped inside a compressed batch (a new place for one kept already). */
  keep(stop: CursorStop): void {
    if (compressionOf(stop.header.attributes) === Compression.none || stop.section.byteLength > this.#maxBytes) return;
    const i = this.#indexOf(stop.batch);
    const stored = i >= 0 ? this.#entries.splice(i, 1)[0]!.stored : Buffer.from(stop.batch);
    if (i < 0) this.kept++;
    this.#entries.push({ stored, section: stop.section, at: stop.at, index: stop.index, offset: stop.offset });
    let bytes = this.#entries.reduce((n, e) => n + e.section.byteLength, 0);
    while (this.#entries.length > this.#maxCount || bytes > this.#maxBytes) bytes -= this.#entries.shift()!.section.byteLength;
  }

  /** Drops the batches in `batches` that end before `offset` (walked to their end). */
  forgetBefore(batches: readonly Uint8Array[], offset: bigint): void {
    if (this.#entries.length === 0) return;
    for (const b of batches) {
      if (batchLastOffset(b) >= offset) continue;
      const i = this.#indexOf(b);
      if (i >= 0) this.#entries.splice(i, 1);
    }
  }

  get size(): number {
    return this.#entries.length;
  }
}

/** ABI batches are built in buffers kept here between calls (one worker runs one call at a time). */
const abiBuffers = new BatchBuffers();
/** This thread's converter's kept batches (exported for tests). */
export const inflatedSections = new InflatedSections();
/** The ABI batch of the input being served when it came as it is: a view of the input, not ours to keep. */
let passedThrough: Uint8Array | null = null;

/** What the converter made of an input, with what it asked back and the offsets it started from. */
interface KafkaConvertedInput extends ConvertedInput {
  from: bigint;
  output: KafkaOutputOptions | null;
}

/**
 * The converter a sandbox worker imports (SandboxPoolOptions.inputConverter): Kafka batches to one
 * ABI batch, and the module's output back to one Kafka batch when the input asks for it.
 */
export const inputConverter: InputConverter = {
  convert(input: Uint8Array): KafkaConvertedInput {
    const { from, maxRecords, maxAbiBytes, output, batches, abi } = unpack(input);
    if (abi !== undefined) {
      passedThrough = abi;
      return { abi, records: batchRecordCount(abi), resumeAt: from, from, output };
    }
    const cursor = new KafkaRecordCursor(batches, from, inflatedSections);
    const builder = new AbiBatchBuilder(abiBuffers);
    try {
      cursor.fill(builder, maxRecords, Math.min(maxAbiBytes, INPUT_BATCH_MAX_BYTES));
    } catch (err) {
      builder.discard();
      throw err;
    }
    const resumeAt = cursor.nextOffset;
    inflatedSections.forgetBefore(batches, resumeAt);
    const stop = cursor.stop;
    if (stop !== null) inflatedSections.keep(stop);
    return { abi: builder.finish(), records: builder.count, resumeAt, from, output };
  },
  release(abi: Uint8Array): void {
    if (abi === passedThrough) passedThrough = null;
    else abiBuffers.give(abi);
  },
  convertOutput(output: Uint8Array, converted: ConvertedInput): Uint8Array {
    const { output: options, from, resumeAt } = converted as KafkaConvertedInput;
    if (options === null) return output;
    if (options.renumberInBatchesOf !== undefined) return outputRecordSet(output, options.renumberInBatchesOf) ?? EMPTY;
    const decoded = abiToRecordBatch(output, options);
    // A view's records keep their source offsets: a module cannot place one where its input had none.
    if (decoded.count > 0 && (decoded.firstOffset < from || decoded.lastOffset >= resumeAt)) {
      throw new ProtocolError(`module output: records at offsets ${decoded.firstOffset}..${decoded.lastOffset}, outside its input's ${from}..${resumeAt - 1n}`);
    }
    return decoded.batch ?? EMPTY;
  },
};

/** Where the first `count` batches end: the offset after the last of them. */
export function endOfBatches(batches: readonly Uint8Array[], count: number): bigint {
  return batchLastOffset(batches[count - 1]!) + 1n;
}

/**
 * The index of the first batch from `start` on that may hold a record at or after `from`: control
 * and empty batches, and batches that end before it, hold none. `batches.length` when none does.
 */
export function firstBatchWithRecords(batches: readonly Uint8Array[], from: bigint, start = 0): number {
  let i = start;
  while (i < batches.length) {
    const h = parseBatchHeader(batches[i]!);
    if (h.baseOffset + BigInt(h.lastOffsetDelta) + 1n > from && !isControlBatch(h.attributes) && h.recordCount !== 0) break;
    i++;
  }
  return i;
}
