/**
 * Kafka batches the record path makes itself: the header around a module's output, and the
 * batches that say to a client that offsets hold no record (an empty span, a placeholder record,
 * a control batch with a COMMIT marker).
 */
import { BATCH_CRC_OFFSET, RECORD_BATCH_HEADER_BYTES, computeCrc } from '../protocol/record-batch.js';
import { Writer } from '../protocol/writer.js';

export const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;
/** A control record's key: version 0, type 1 (COMMIT), which every client skips. */
const COMMIT_MARKER_KEY = new Uint8Array([0, 0, 0, 1]);
/** A control record's value for a transaction marker: version 0, coordinator epoch 0. */
const COMMIT_MARKER_VALUE = new Uint8Array([0, 0, 0, 0, 0, 0]);

export interface HeaderFields {
  baseOffset: bigint;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  recordCount: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  attributes: number;
}

/** A whole RecordBatch v2 around `records` (a records section), with its CRC. */
export function encodeBatchHeader(records: Uint8Array, h: HeaderFields): Uint8Array {
  const w = new Writer(RECORD_BATCH_HEADER_BYTES + records.byteLength);
  w.int64(h.baseOffset)
    .int32(RECORD_BATCH_HEADER_BYTES - 12 + records.byteLength)
    .int32(-1)
    .int8(2)
    .uint32(0)
    .int16(h.attributes)
    .int32(h.lastOffsetDelta)
    .int64(h.baseTimestamp)
    .int64(h.maxTimestamp)
    .int64(h.producerId)
    .int16(h.producerEpoch)
    .int32(h.baseSequence)
    .int32(h.recordCount)
    .raw(records);
  w.setUint32At(BATCH_CRC_OFFSET, computeCrc(w.toUint8Array()));
  return w.toUint8Array().slice();
}

/**
 * A batch spanning [first, last] that holds no record: how a view says "these offsets are gone"
 * to clients that move on by batch headers (librdkafka, kafka-python), as compaction does.
 */
export function emptySpanBatch(first: bigint, last: bigint, timestampMs: bigint): Uint8Array {
  return encodeBatchHeader(new Uint8Array(0), {
    baseOffset: first,
    lastOffsetDelta: Number(last - first),
    baseTimestamp: timestampMs,
    maxTimestamp: timestampMs,
    recordCount: 0,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    attributes: 0,
  });
}

/** One record with no key and no value at `offset`: what a client is sent to skip (see view-read.ts). */
export function placeholderBatch(offset: bigint, timestampMs: bigint): Uint8Array {
  const rec = new Writer(16);
  rec.int8(0).varlong(0n).varint(0).varint(-1).varint(-1).varint(0);
  return oneRecordBatch(rec, offset, 0, timestampMs, 0);
}

/**
 * A control batch spanning [first, last] with one COMMIT marker at `last`: clients never show
 * control records, and those that move on by the records they saw (kafkajs) move past `last`.
 */
export function controlSpanBatch(first: bigint, last: bigint, timestampMs: bigint): Uint8Array {
  const delta = Number(last - first);
  const rec = new Writer(32);
  rec.int8(0).varlong(0n).varint(delta).varint(COMMIT_MARKER_KEY.length).raw(COMMIT_MARKER_KEY)
    .varint(COMMIT_MARKER_VALUE.length).raw(COMMIT_MARKER_VALUE).varint(0);
  return oneRecordBatch(rec, first, delta, timestampMs, ATTR_TRANSACTIONAL | ATTR_CONTROL);
}

/** A batch of the one record `rec` at offset `base` + its delta, spanning `lastOffsetDelta`, with no producer. */
function oneRecordBatch(rec: Writer, base: bigint, lastOffsetDelta: number, timestampMs: bigint, attributes: number): Uint8Array {
  const body = new Writer(rec.length + 5);
  body.varint(rec.length).raw(rec.toUint8Array());
  return encodeBatchHeader(body.toUint8Array(), {
    baseOffset: base,
    lastOffsetDelta,
    baseTimestamp: timestampMs,
    maxTimestamp: timestampMs,
    recordCount: 1,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    attributes,
  });
}
