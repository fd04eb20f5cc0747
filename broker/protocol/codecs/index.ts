/**
 * The record codecs of RecordBatch v2: inflating a compressed records section when the broker must
 * look at the records (ListOffsets by timestamp, SmartModules). Batches are stored as sent and
 * never recompressed, so nothing here compresses.
 */
import { ErrorCode } from '../error-codes.js';
import { KafkaError } from '../errors.js';
import { corrupt } from './errors.js';
import { inflateGzip } from './gzip.js';
import { inflateLz4 } from './lz4.js';
import { inflateSnappy } from './snappy.js';
import { inflateZstd } from './zstd.js';

/** Attribute bits 0-2 of a batch. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export function compressionName(codec: number): string {
  return (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)[codec] ?? `codec ${codec}`;
}

type Inflate = (body: Uint8Array, maxBytes: number) => Uint8Array;

const INFLATE: Readonly<Record<number, Inflate>> = {
  [Compression.gzip]: inflateGzip,
  [Compression.snappy]: inflateSnappy,
  [Compression.lz4]: inflateLz4,
  [Compression.zstd]: inflateZstd,
};

/**
 * The records section of a compressed batch, inflated. Output past `maxBytes` is refused as
 * CORRUPT_MESSAGE before it is allocated (a decompression bomb, or a batch too big to look into);
 * bytes that do not decode are CORRUPT_MESSAGE too; an unknown codec is UNSUPPORTED_COMPRESSION_TYPE.
 */
export function inflateRecords(codec: number, body: Uint8Array, maxBytes: number): Uint8Array {
  const inflate = INFLATE[codec];
  if (inflate === undefined) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot decode records compressed with ${compressionName(codec)}`);
  }
  let out: Uint8Array;
  try {
    out = inflate(body, maxBytes);
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    // Libraries throw plain errors on garbage (fzstd, the napi bindings); a short varint is a ProtocolError.
    throw corrupt(`${compressionName(codec)} records do not decode: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (out.byteLength > maxBytes) throw new Error(`${compressionName(codec)} inflated ${out.byteLength} bytes past its ${maxBytes}-byte bound`);
  return out;
}
