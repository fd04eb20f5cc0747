/**
 * The record codecs of RecordBatch v2: inflating a compressed records section when the broker must
 * look at the records (ListOffsets by timestamp, SmartModules, recompression), and compressing one
 * for a topic whose compression.type names a codec (compress.ts).
 */
import { ErrorCode } from '../error-codes.js';
import { KafkaError } from '../errors.js';
import { corrupt } from './errors.js';
import { compressGzip, compressLz4, compressSnappy, compressZstd } from './compress.js';
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

const COMPRESS: Readonly<Record<number, (body: Uint8Array) => Promise<Uint8Array>>> = {
  [Compression.gzip]: compressGzip,
  [Compression.snappy]: compressSnappy,
  [Compression.lz4]: compressLz4,
  [Compression.zstd]: compressZstd,
};

/** A records section compressed with `codec` as Kafka writes it; an unknown codec is UNSUPPORTED_COMPRESSION_TYPE. */
export function compressRecords(codec: number, body: Uint8Array): Promise<Uint8Array> {
  const compress = COMPRESS[codec];
  if (compress === undefined) {
    return Promise.reject(new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot compress records with ${compressionName(codec)}`));
  }
  return compress(body);
}
