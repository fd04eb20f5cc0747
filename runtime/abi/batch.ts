/**
 * Host side of the ABI v1 record batch (sdk/ABI.md, "Record batch"). All integers little-endian.
 *
 *   batch  = count:u32 record{count}
 *   record = offset:i64 timestamp_ms:i64 key:bytes? value:bytes? header_count:i32 header{header_count}
 *   header = key:bytes value:bytes?
 *   bytes  = len:i32 byte{len}        (bytes? allows len = -1 for null; header keys are UTF-8)
 */
import { isUtf8 } from 'node:buffer';
import { LittleEndianReader, LittleEndianWriter } from '../../broker/protocol/little-endian.js';
import {
  ABI_COUNT_BYTES, ABI_HEADER_MIN_BYTES, ABI_RECORD_MIN_BYTES, BATCH_RECORDS_MAX, INPUT_BATCH_MAX_BYTES, OUTPUT_BATCH_MAX_BYTES, RECORD_HEADERS_MAX,
} from '../constants.js';
import type { BatchBuffers } from './batch-buffers.js';

export interface HostHeader {
  key: string;
  value: Uint8Array | null;
}

export interface HostRecord {
  offset: bigint;
  timestampMs: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: HostHeader[];
}

export class BatchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchDecodeError';
  }
}

const utf8 = new TextEncoder();
/** Header keys are checked UTF-8 (batchLayoutError) before they are decoded. */
const utf8Decoder = new TextDecoder();

/** Bytes `encodeBatch` will produce, computed first so the batch is written into one buffer. */
export function encodedBatchSize(records: readonly HostRecord[], headerKeys?: Uint8Array[][]): number {
  let n = ABI_COUNT_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    n += ABI_RECORD_MIN_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    const keys = headerKeys?.[i];
    for (let h = 0; h < r.headers.length; h++) {
      const hd = r.headers[h]!;
      n += ABI_HEADER_MIN_BYTES + (keys ? keys[h]!.length : utf8.encode(hd.key).length) + (hd.value?.length ?? 0);
    }
  }
  return n;
}

const NO_KEYS: Uint8Array[] = [];

/**
 * The exact bytes the host copies into guest memory for `records`: a buffer of their own, or the
 * start of one taken from `buffers` (give it back when the call is over, batch-buffers.ts).
 */
export function encodeBatch(records: readonly HostRecord[], buffers?: BatchBuffers): Uint8Array {
  // Header keys are UTF-8 encoded once (sizing and writing both need them); most records have none.
  const headerKeys = records.map((r) => (r.headers.length === 0 ? NO_KEYS : r.headers.map((h) => utf8.encode(h.key))));
  const size = encodedBatchSize(records, headerKeys);
  const out = buffers === undefined ? new Uint8Array(size) : buffers.take(size);
  // A recycled buffer is cleared with one memset first, as calloc clears a fresh one: the small
  // writes below then land in cache lines already written whole, instead of each waiting for its
  // line to be read (docs/sandbox.md, "Batch buffers").
  if (buffers !== undefined) out.fill(0);
  const w = new LittleEndianWriter(out.subarray(0, size));
  w.uint32(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.int64(r.offset).int64(r.timestampMs).nullableBytes(r.key).nullableBytes(r.value).int32(r.headers.length);
    const keys = headerKeys[i]!;
    for (let h = 0; h < r.headers.length; h++) w.nullableBytes(keys[h]!).nullableBytes(r.headers[h]!.value);
  }
  if (w.offset !== size) throw new Error(`encodeBatch wrote ${w.offset} bytes, sized ${size}`);
  return out;
}

const batchError = (message: string): Error => new BatchDecodeError(message);

/** The record count a batch claims (its first four bytes); no validation beyond the length. */
export function batchRecordCount(bytes: Uint8Array): number {
  if (bytes.length < ABI_COUNT_BYTES) throw new BatchDecodeError(`batch of ${bytes.length} bytes is shorter than its count`);
  return new LittleEndianReader(bytes, batchError).uint32();
}

/**
 * True when the `len` bytes at `at` are UTF-8, as header keys must be in the ABI and in Kafka.
 * ASCII (most keys) is checked by hand, without a view and a native call each.
 */
export function isUtf8At(bytes: Uint8Array, at: number, len: number): boolean {
  for (let i = at; i < at + len; i++) if (bytes[i]! >= 0x80) return isUtf8(bytes.subarray(at, at + len));
  return true;
}

/**
 * Why `bytes` is not a well-formed batch (what decodeBatch would refuse), or null: the layout is
 * walked once and nothing is allocated. The runtime checks every module output with it, so no
 * host ever reads a malformed one.
 */
export function batchLayoutError(bytes: Uint8Array): string | null {
  if (bytes.length < ABI_COUNT_BYTES) return `batch of ${bytes.length} bytes is shorter than its count`;
  let at = 0;
  const r = new LittleEndianReader(bytes, (message) => new BatchDecodeError(`record ${at}: ${message}`));
  try {
    const count = r.uint32();
    if (count > BATCH_RECORDS_MAX || count * ABI_RECORD_MIN_BYTES > r.remaining) return `batch claims ${count} records in ${bytes.length} bytes`;
    for (; at < count; at++) {
      r.skip(16, 'offset and timestamp');
      r.skipBytes32('key', true);
      r.skipBytes32('value', true);
      const headerCount = r.int32('header count');
      if (headerCount < 0 || headerCount > RECORD_HEADERS_MAX || headerCount * ABI_HEADER_MIN_BYTES > r.remaining) return `record ${at}: header count ${headerCount}`;
      for (let h = 0; h < headerCount; h++) {
        const start = r.offset + 4;
        const len = r.skipBytes32('header key', false);
        if (!isUtf8At(bytes, start, len)) return `record ${at}: header ${h} key is not UTF-8`;
        r.skipBytes32('header value', true);
      }
    }
  } catch (err) {
    if (err instanceof BatchDecodeError) return err.message;
    throw err;
  }
  return r.remaining === 0 ? null : `${r.remaining} bytes after the last record`;
}

/**
 * Decodes a batch, checking every length against the bytes left; malformed input throws
 * BatchDecodeError and never allocates more than the input's own size. Keys and values are views
 * into one private copy of the batch (one allocation per batch, not one per field), never into
 * `bytes` itself, so the caller may reuse its buffer.
 */
export function decodeBatch(input: Uint8Array): HostRecord[] {
  const limit = Math.max(INPUT_BATCH_MAX_BYTES, OUTPUT_BATCH_MAX_BYTES);
  if (input.length > limit) throw new BatchDecodeError(`batch of ${input.length} bytes exceeds ${limit}`);
  // The layout is checked first (nothing allocated for a count that cannot fit): the walk below
  // then reads what is there.
  const malformed = batchLayoutError(input);
  if (malformed !== null) throw new BatchDecodeError(malformed);
  const bytes = input.slice();
  const r = new LittleEndianReader(bytes, batchError);
  const count = r.uint32();
  const records: HostRecord[] = new Array(count);
  for (let at = 0; at < count; at++) {
    const offset = r.int64();
    const timestampMs = r.int64();
    const key = r.nullableBytes();
    const value = r.nullableBytes();
    const headers: HostHeader[] = new Array(r.int32());
    for (let h = 0; h < headers.length; h++) headers[h] = { key: utf8Decoder.decode(r.bytes32()), value: r.nullableBytes() };
    records[at] = { offset, timestampMs, key, value, headers };
  }
  return records;
}
