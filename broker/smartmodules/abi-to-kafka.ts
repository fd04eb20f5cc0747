/**
 * SmartModule ABI v1 batches (a module's output, sdk/ABI.md §4) to Kafka RecordBatch v2, byte to
 * byte: the ABI batch is read and checked with the LittleEndianReader, the Kafka batch written
 * with the Writer. The other way is abi-kafka.ts. A derived topic's output is renumbered and cut
 * into batches the topic takes (outputRecordSet).
 */
import { ABI_HEADER_MIN_BYTES, ABI_RECORD_MIN_BYTES, BATCH_RECORDS_MAX, RECORD_HEADERS_MAX } from '../../runtime/constants.js';
import { decodeBatch, encodeBatch, type HostRecord } from '../../runtime/abi/batch.js';
import { ProtocolError } from '../protocol/errors.js';
import { concatRecordSet } from '../protocol/record-batch.js';
import { LittleEndianReader } from '../protocol/little-endian.js';
import { Writer } from '../protocol/writer.js';
import { ATTR_TRANSACTIONAL, encodeBatchHeader } from './kafka-batches.js';

export interface KafkaBatchOptions {
  /** Base offset of the batch; records' deltas are taken from it. Defaults to the first record's offset. */
  baseOffset?: bigint;
  /** Last offset the batch spans (≥ the last record's); defaults to the last record's. */
  lastOffset?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Attribute bits other than compression and timestamp type (the transactional bit). */
  transactional?: boolean;
  /**
   * Records get new offsets 0..n-1 instead of their source offsets (a derived topic's records:
   * the log gives them their place); baseOffset and lastOffset are then ignored.
   */
  renumber?: boolean;
  /**
   * Checks the layout and reads the offsets only, building no batch (batch is null): a produce
   * check's filter keeps the producer's bytes and needs only which records its module kept.
   */
  layoutOnly?: boolean;
}

export interface AbiDecodedBatch {
  /** One uncompressed RecordBatch v2 with a correct CRC, or null when the ABI batch held no record (or layoutOnly). */
  batch: Uint8Array | null;
  count: number;
  /** Source offsets of the first and last record (-1n when empty). */
  firstOffset: bigint;
  lastOffset: bigint;
  /** Offsets of the records, in order: what produce checks compare with their input. */
  offsets: bigint[];
}

/** Copies one checked ABI field (i32 length, -1 for null, then bytes) at `p` as a varint-length Kafka field; returns where the next starts. */
function copyField(rec: Writer, abi: Uint8Array, view: DataView, p: number): number {
  const len = view.getInt32(p, true);
  if (len < 0) {
    rec.varint(-1);
    return p + 4;
  }
  rec.varint(len).raw(abi.subarray(p + 4, p + 4 + len));
  return p + 4 + len;
}

/**
 * One Kafka batch from an ABI batch (a module's output), checking every length against the bytes
 * that remain: a malformed output throws ProtocolError and allocates no more than its own size.
 * Record offsets are the ABI records' source offsets, as deltas from the base offset.
 */
export function abiToRecordBatch(abi: Uint8Array, options: KafkaBatchOptions = {}): AbiDecodedBatch {
  const view = new DataView(abi.buffer, abi.byteOffset, abi.byteLength);
  const end = abi.byteLength;
  const r = new LittleEndianReader(abi, (message) => new ProtocolError(`module output: ${message}`));
  const count = r.uint32('record count');
  if (count > BATCH_RECORDS_MAX || count * ABI_RECORD_MIN_BYTES > r.remaining) throw new ProtocolError(`module output claims ${count} records in ${end} bytes`);
  const offsets: bigint[] = new Array<bigint>(count);
  if (count === 0) return { batch: null, count, firstOffset: -1n, lastOffset: -1n, offsets };
  // First pass: check the layout, and read offsets and timestamps, so the header's base and max
  // are known before writing.
  const starts = new Int32Array(count);
  let baseTimestamp = 0n;
  let maxTimestamp = 0n;
  for (let i = 0; i < count; i++) {
    starts[i] = r.offset;
    offsets[i] = r.int64('offset');
    const ts = r.int64('timestamp');
    if (i === 0) baseTimestamp = maxTimestamp = ts;
    else if (ts > maxTimestamp) maxTimestamp = ts;
    // Renumbered records take their place from the log: their offsets need no order.
    if (i > 0 && offsets[i]! < offsets[i - 1]! && options.renumber !== true) throw new ProtocolError(`module output: record ${i} offset ${offsets[i]} goes back from ${offsets[i - 1]}`);
    r.skipBytes32('key', true);
    r.skipBytes32('value', true);
    const hc = r.int32('header count');
    if (hc < 0 || hc > RECORD_HEADERS_MAX || hc * ABI_HEADER_MIN_BYTES > r.remaining) throw new ProtocolError(`module output: record ${i} header count ${hc}`);
    for (let h = 0; h < hc; h++) {
      r.skipBytes32('header key', false);
      r.skipBytes32('header value', true);
    }
  }
  if (r.remaining !== 0) throw new ProtocolError(`module output: ${r.remaining} bytes after the last record`);

  const firstOffset = offsets[0]!;
  const lastOffset = offsets[count - 1]!;
  if (options.layoutOnly === true) return { batch: null, count, firstOffset, lastOffset, offsets };
  const renumber = options.renumber === true;
  const baseOffset = renumber ? 0n : options.baseOffset ?? firstOffset;
  const spanLast = renumber ? BigInt(count - 1) : options.lastOffset ?? lastOffset;
  if (!renumber && (baseOffset > firstOffset || spanLast < lastOffset || spanLast - baseOffset > 0x7fffffffn)) {
    throw new RangeError(`batch span ${baseOffset}..${spanLast} does not hold records ${firstOffset}..${lastOffset}`);
  }
  const body = new Writer(end + count * 4);
  const rec = new Writer(256);
  let p = 0;
  for (let i = 0; i < count; i++) {
    p = starts[i]! + 8;
    const ts = view.getBigInt64(p, true);
    p += 8;
    rec.reset();
    rec.int8(0).varlong(ts - baseTimestamp).varint(renumber ? i : Number(offsets[i]! - baseOffset));
    p = copyField(rec, abi, view, copyField(rec, abi, view, p)); // key, value
    const hc = view.getInt32(p, true);
    p += 4;
    rec.varint(hc);
    for (let h = 0; h < 2 * hc; h++) p = copyField(rec, abi, view, p);
    body.varint(rec.length).raw(rec.toUint8Array());
  }
  const batch = encodeBatchHeader(body.toUint8Array(), {
    baseOffset,
    lastOffsetDelta: Number(spanLast - baseOffset),
    baseTimestamp,
    maxTimestamp,
    recordCount: count,
    producerId: options.producerId ?? -1n,
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    attributes: options.transactional ? ATTR_TRANSACTIONAL : 0,
  });
  return { batch, count, firstOffset, lastOffset, offsets };
}

/** Kafka bytes one record adds beyond its key, value and headers, at most: varints and fixed fields. */
const RECORD_OVERHEAD_MAX_BYTES = 40;
/** Kafka bytes of a batch header. */
const BATCH_OVERHEAD_BYTES = 61;

function recordBytes(r: HostRecord): number {
  let n = RECORD_OVERHEAD_MAX_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += 10 + h.key.length * 3 + (h.value?.length ?? 0);
  return n;
}

/**
 * One record set (one or more batches of at most `maxBatchBytes` each, records renumbered from 0
 * in each: the log gives them their place) of `output`, an ABI batch or decoded records; null
 * when there is no record. A derived topic's records and dead letters are appended as these.
 */
export function outputRecordSet(output: Uint8Array | HostRecord[], maxBatchBytes: number): Uint8Array | null {
  if (output instanceof Uint8Array) {
    // The common case: one call's output, small enough for one batch (ABI bytes bound its Kafka size).
    if (output.byteLength + BATCH_OVERHEAD_BYTES <= maxBatchBytes) return abiToRecordBatch(output, { renumber: true }).batch;
    return outputRecordSet(decodeBatch(output), maxBatchBytes);
  }
  if (output.length === 0) return null;
  const batches: Uint8Array[] = [];
  let chunk: HostRecord[] = [];
  let size = BATCH_OVERHEAD_BYTES;
  const flush = (): void => {
    if (chunk.length === 0) return;
    batches.push(abiToRecordBatch(encodeBatch(chunk), { renumber: true }).batch!);
    chunk = [];
    size = BATCH_OVERHEAD_BYTES;
  };
  for (const r of output) {
    const n = recordBytes(r);
    if (chunk.length > 0 && size + n > maxBatchBytes) flush();
    chunk.push(r);
    size += n;
  }
  flush();
  return batches.length === 1 ? batches[0]! : concatRecordSet(batches);
}
