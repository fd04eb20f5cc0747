import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { RECORD_BATCH_DECOMPRESSED_MAX_BYTES } from '../constants.js';
import { Compression, inflateRecords } from './codecs/index.js';
import { corrupt } from './codecs/errors.js';
import { ErrorCode } from './error-codes.js';
import { KafkaError, ProtocolError } from './errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/*
 * RecordBatch (magic 2) =>
 *   baseOffset INT64                 @0
 *   batchLength INT32                @8   bytes after this field
 *   partitionLeaderEpoch INT32       @12
 *   magic INT8                       @16  (= 2)
 *   crc UINT32                       @17  CRC-32C of attributes .. end of batch
 *   attributes INT16                 @21  bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *   lastOffsetDelta INT32            @23
 *   baseTimestamp INT64              @27
 *   maxTimestamp INT64               @35
 *   producerId INT64                 @43
 *   producerEpoch INT16              @51
 *   baseSequence INT32               @53
 *   recordCount INT32                @57
 *   records                          @61  (compressed as a whole when compression != 0)
 *
 * Record =>
 *   length VARINT  attributes INT8  timestampDelta VARLONG  offsetDelta VARINT
 *   keyLength VARINT  key  valueLength VARINT  value  [headers] (VARINT count)
 *   Header => headerKeyLength VARINT  headerKey  headerValueLength VARINT  headerValue
 *
 * baseOffset and partitionLeaderEpoch lie outside the CRC, so the broker rewrites them in place.
 */

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8');

export const RECORD_BATCH_HEADER_BYTES = 61;
/** Byte offsets of the header fields rewritten or read in place (the layout is above). */
const BASE_OFFSET_OFFSET = 0;
const BATCH_LENGTH_OFFSET = 8;
const LEADER_EPOCH_OFFSET = 12;
/** batchLength counts from partitionLeaderEpoch on; a batch with no records still has this many. */
const BATCH_LENGTH_MIN_BYTES = RECORD_BATCH_HEADER_BYTES - LEADER_EPOCH_OFFSET;
/** Where the batch's CRC-32C is stored. */
export const BATCH_CRC_OFFSET = 17;
const CRC_OFFSET = BATCH_CRC_OFFSET;
const ATTRIBUTES_OFFSET = 21;
/** Where a batch's CRC-32C coverage starts (its attributes); the bytes before it are not covered. */
export const BATCH_CRC_COVERED_FROM = ATTRIBUTES_OFFSET;
const MAGIC_OFFSET = 16;

export { Compression } from './codecs/index.js';

const ATTR_COMPRESSION_MASK = 0x07;
const ATTR_LOG_APPEND_TIME = 0x08;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;

export interface RecordBatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface DecodedRecord {
  offset: bigint;
  timestampMs: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export function compressionOf(attributes: number): number {
  return attributes & ATTR_COMPRESSION_MASK;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function isLogAppendTime(attributes: number): boolean {
  return (attributes & ATTR_LOG_APPEND_TIME) !== 0;
}

/** The last offset a whole batch spans: its base offset plus its lastOffsetDelta. */
export function batchLastOffset(batch: Uint8Array): bigint {
  const h = parseBatchHeader(batch);
  return h.baseOffset + BigInt(h.lastOffsetDelta);
}

/** Refuse anything but magic 2: 0 and 1 are old formats, anything else is garbage. */
function checkMagic(magic: number): void {
  if (magic === 2) return;
  if (magic === 0 || magic === 1) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `message format v${magic} is not supported; use RecordBatch v2`);
  }
  throw corrupt(`invalid record batch magic ${magic}`);
}

/**
 * Read the fixed header of the batch that starts at `batch[0]`, without copying.
 * Throws CORRUPT_MESSAGE when the header is truncated, UNSUPPORTED_FOR_MESSAGE_FORMAT for magic 0/1.
 */
export function parseBatchHeader(batch: Uint8Array): RecordBatchHeader {
  if (batch.byteLength < RECORD_BATCH_HEADER_BYTES) {
    // An old-format message set can be shorter than our header: still name its magic when we can.
    if (batch.byteLength > MAGIC_OFFSET) checkMagic(batch[MAGIC_OFFSET]!);
    throw corrupt(`record batch header truncated: ${batch.byteLength} of ${RECORD_BATCH_HEADER_BYTES} bytes`);
  }
  const r = new Reader(batch, 0, RECORD_BATCH_HEADER_BYTES);
  const header: RecordBatchHeader = {
    baseOffset: r.int64(),
    batchLength: r.int32(),
    partitionLeaderEpoch: r.int32(),
    magic: r.int8(),
    crc: r.uint32(),
    attributes: r.int16(),
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64(),
    maxTimestamp: r.int64(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
    recordCount: r.int32(),
  };
  checkMagic(header.magic);
  return header;
}

export interface RecordBatchView {
  header: RecordBatchHeader;
  /** The whole batch, a view into the record set. */
  bytes: Uint8Array;
  /** Where the batch starts in the record set. */
  position: number;
}

export interface IterateBatchesOptions {
  /**
   * What a truncated last batch means: 'error' (a produce request: CORRUPT_MESSAGE) or 'stop'
   * (a fetch response cut at max_bytes, which clients accept).
   */
  truncated?: 'error' | 'stop';
}

/**
 * The batches of a record set, as views. Bounded: each step consumes at least one batch
 * header, so a set of N bytes yields at most N / 61 batches.
 */
export function* iterateBatches(recordSet: Uint8Array, options: IterateBatchesOptions = {}): Generator<RecordBatchView> {
  const truncated = options.truncated ?? 'error';
  let pos = 0;
  while (pos < recordSet.byteLength) {
    const left = recordSet.byteLength - pos;
    if (left < RECORD_BATCH_HEADER_BYTES) {
      if (truncated === 'stop') return;
      parseBatchHeader(recordSet.subarray(pos)); // names an old magic when it can
      throw corrupt(`record batch header at byte ${pos} truncated: ${left} of ${RECORD_BATCH_HEADER_BYTES} bytes`);
    }
    const header = parseBatchHeader(recordSet.subarray(pos, pos + RECORD_BATCH_HEADER_BYTES));
    if (header.batchLength < BATCH_LENGTH_MIN_BYTES) {
      throw corrupt(`record batch length ${header.batchLength} at byte ${pos} is below the ${BATCH_LENGTH_MIN_BYTES}-byte minimum`);
    }
    const size = 12 + header.batchLength;
    if (size > left) {
      if (truncated === 'stop') return;
      throw corrupt(`record batch at byte ${pos} claims ${size} bytes, ${left} left`);
    }
    yield { header, bytes: recordSet.subarray(pos, pos + size), position: pos };
    pos += size;
  }
}

/** Parse all batch headers of a record set (convenience over iterateBatches). */
export function parseRecordSet(recordSet: Uint8Array, options?: IterateBatchesOptions): RecordBatchView[] {
  return [...iterateBatches(recordSet, options)];
}

export function computeCrc(batch: Uint8Array): number {
  return crc32c(batch.subarray(BATCH_CRC_COVERED_FROM));
}

/** True when the stored CRC-32C matches attributes .. end of this (whole) batch. */
export function verifyCrc(batch: Uint8Array): boolean {
  if (batch.byteLength < RECORD_BATCH_HEADER_BYTES) return false;
  const stored = new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getUint32(CRC_OFFSET);
  return computeCrc(batch) === stored;
}

/** Rewrite baseOffset in place; the CRC does not cover it. */
export function setBaseOffset(batch: Uint8Array, baseOffset: bigint): void {
  if (batch.byteLength < BASE_OFFSET_OFFSET + 8) throw new RangeError('batch too short to hold a base offset');
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setBigInt64(BASE_OFFSET_OFFSET, baseOffset);
}

/** Rewrite partitionLeaderEpoch in place; the CRC does not cover it. */
export function setPartitionLeaderEpoch(batch: Uint8Array, epoch: number): void {
  if (batch.byteLength < LEADER_EPOCH_OFFSET + 4) throw new RangeError('batch too short to hold a leader epoch');
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setInt32(LEADER_EPOCH_OFFSET, epoch);
}

/** The records section, inflated when the batch is compressed (every Kafka codec). */
export function recordsSection(batch: Uint8Array, header: RecordBatchHeader, decompressedMaxBytes: number): Uint8Array {
  const body = batch.subarray(RECORD_BATCH_HEADER_BYTES, 12 + header.batchLength);
  const codec = compressionOf(header.attributes);
  return codec === Compression.none ? body : inflateRecords(codec, body, decompressedMaxBytes);
}

export interface DecodeRecordsOptions {
  /** Largest records section a compressed batch may inflate to (default RECORD_BATCH_DECOMPRESSED_MAX_BYTES). */
  decompressedMaxBytes?: number;
}

/**
 * Decode the records of one whole batch, inflating it when compressed. Malformed records become
 * CORRUPT_MESSAGE; the record count is checked against the bytes, so a lying count allocates nothing.
 */
export function decodeRecords(batch: Uint8Array, options: DecodeRecordsOptions = {}): DecodedRecord[] {
  const header = parseBatchHeader(batch);
  if (12 + header.batchLength > batch.byteLength || header.batchLength < BATCH_LENGTH_MIN_BYTES) {
    throw corrupt(`record batch length ${header.batchLength} does not match its ${batch.byteLength} bytes`);
  }
  const section = recordsSection(batch, header, options.decompressedMaxBytes ?? RECORD_BATCH_DECOMPRESSED_MAX_BYTES);
  const logAppend = isLogAppendTime(header.attributes);
  const r = new Reader(section);
  try {
    if (header.recordCount < 0 || header.recordCount > r.remaining) {
      throw corrupt(`record count ${header.recordCount} exceeds the ${r.remaining} bytes of records`);
    }
    const out: DecodedRecord[] = new Array<DecodedRecord>(header.recordCount);
    for (let i = 0; i < header.recordCount; i++) {
      const length = r.varint();
      if (length < 0 || length > r.remaining) throw corrupt(`record ${i} length ${length} exceeds the ${r.remaining} bytes left`);
      const end = r.offset + length;
      const rr = new Reader(section, r.offset, end);
      rr.int8(); // record attributes: unused by Kafka so far
      const timestampDelta = rr.varlong();
      const offsetDelta = rr.varint();
      const key = rr.varintBytes();
      const value = rr.varintBytes();
      const headers = rr.varintArray((h) => {
        const keyBytes = h.varintBytes();
        if (keyBytes === null) throw corrupt(`record ${i} has a header with a null key`);
        return { key: textDecoder.decode(keyBytes), value: h.varintBytes() };
      });
      if (rr.remaining !== 0) throw corrupt(`record ${i} has ${rr.remaining} trailing bytes`);
      r.skip(length);
      out[i] = {
        offset: header.baseOffset + BigInt(offsetDelta),
        timestampMs: logAppend ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
        key,
        value,
        headers,
      };
    }
    return out;
  } catch (err) {
    if (err instanceof ProtocolError) throw corrupt(`malformed record in batch at offset ${header.baseOffset}: ${err.message}`, err);
    throw err;
  }
}

export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly RecordHeader[];
  /** Defaults to the batch's baseTimestamp. */
  timestampMs?: bigint;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: bigint;
  /** Defaults to the first record's timestamp, or now. */
  baseTimestamp?: bigint;
  compression?: typeof Compression.none | typeof Compression.gzip;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  logAppendTime?: boolean;
}


/** Encode records into one RecordBatch v2 (uncompressed or gzip) with a correct CRC. */
export function buildRecordBatch(records: readonly RecordInput[], options: BuildBatchOptions = {}): Uint8Array {
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestampMs ?? BigInt(Date.now());
  const compression = options.compression ?? Compression.none;
  let maxTimestamp = records.length === 0 ? -1n : baseTimestamp;
  let lastOffsetDelta = records.length === 0 ? -1 : 0;

  const body = new Writer(64 + records.length * 32);
  const rec = new Writer(64);
  records.forEach((record, index) => {
    const ts = record.timestampMs ?? baseTimestamp;
    const offsetDelta = record.offsetDelta ?? index;
    if (ts > maxTimestamp) maxTimestamp = ts;
    if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta;
    rec.reset();
    rec.int8(0).varlong(ts - baseTimestamp).varint(offsetDelta).varintBytes(record.key).varintBytes(record.value);
    rec.varintArray(record.headers ?? [], (w, h) => w.varintBytes(textEncoder.encode(h.key)).varintBytes(h.value));
    body.varint(rec.length).raw(rec.toUint8Array());
  });
  let recordsBytes = body.toUint8Array();
  if (compression === Compression.gzip) recordsBytes = gzipSync(recordsBytes);

  let attributes = compression;
  if (options.logAppendTime) attributes |= ATTR_LOG_APPEND_TIME;
  if (options.transactional) attributes |= ATTR_TRANSACTIONAL;

  const w = new Writer(RECORD_BATCH_HEADER_BYTES + recordsBytes.byteLength);
  w.int64(options.baseOffset ?? 0n)
    .int32(RECORD_BATCH_HEADER_BYTES - 12 + recordsBytes.byteLength)
    .int32(options.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0) // CRC, filled below
    .int16(attributes)
    .int32(lastOffsetDelta)
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(options.producerId ?? -1n)
    .int16(options.producerEpoch ?? -1)
    .int32(options.baseSequence ?? -1)
    .int32(records.length)
    .raw(recordsBytes);
  const batch = w.toUint8Array();
  w.setUint32At(CRC_OFFSET, computeCrc(batch));
  return batch;
}

/**
 * The batch with its records section replaced by `section`, compressed with `codec` (attributes
 * bits 0-2): every other header field (offsets, timestamps, producer id, epoch and base sequence,
 * record count) is kept, the batch length follows the section and the CRC is computed afresh.
 */
export function withRecordsSection(batch: Uint8Array, codec: number, section: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_BATCH_HEADER_BYTES + section.byteLength);
  out.set(batch.subarray(0, RECORD_BATCH_HEADER_BYTES), 0);
  out.set(section, RECORD_BATCH_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setInt32(BATCH_LENGTH_OFFSET, out.byteLength - 12);
  view.setInt16(ATTRIBUTES_OFFSET, (view.getInt16(ATTRIBUTES_OFFSET) & ~ATTR_COMPRESSION_MASK) | codec);
  view.setUint32(CRC_OFFSET, computeCrc(out));
  return out;
}

/** Concatenate batches into one record set. */
export function concatRecordSet(batches: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(batches.reduce((n, b) => n + b.byteLength, 0));
  for (const b of batches) w.raw(b);
  return w.toUint8Array();
}
