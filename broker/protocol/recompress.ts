/**
 * Recompression on produce, for a topic whose compression.type names a codec (Kafka's meaning:
 * `producer` keeps each batch as sent, `uncompressed` stores none compressed, gzip / snappy / lz4 /
 * zstd store every batch in that codec). A batch in another codec is inflated and compressed again;
 * its offsets, timestamps, producer id, epoch and base sequence stay, so idempotence and the
 * acknowledged offsets are what they would have been, and its CRC is computed afresh.
 */
import { RECORD_BATCH_DECOMPRESSED_MAX_BYTES } from '../constants.js';
import { Compression, compressRecords } from './codecs/index.js';
import { compressionOf, concatRecordSet, isControlBatch, iterateBatches, recordsSection, withRecordsSection } from './record-batch.js';

/** The codec a topic stores its batches in, by compression.type; null for `producer` (as sent). */
export function codecOfCompressionType(type: string): Compression | null {
  switch (type) {
    case 'producer':
      return null;
    case 'uncompressed':
      return Compression.none;
    case 'gzip':
      return Compression.gzip;
    case 'snappy':
      return Compression.snappy;
    case 'lz4':
      return Compression.lz4;
    case 'zstd':
      return Compression.zstd;
    default:
      throw new RangeError(`unknown compression.type ${type}`);
  }
}

/**
 * The record set (whole, CRC-checked batches) with every batch in `codec`: the same bytes when
 * every batch already is, else a new record set. Control batches are kept as they are. A batch
 * that does not inflate is CORRUPT_MESSAGE, one that inflates past the bound too.
 */
export async function recompressRecordSet(recordSet: Uint8Array, codec: Compression): Promise<Uint8Array> {
  const batches = [...iterateBatches(recordSet)];
  if (batches.every((b) => compressionOf(b.header.attributes) === codec || isControlBatch(b.header.attributes))) return recordSet;
  const out = await Promise.all(
    batches.map(async ({ bytes, header }) => {
      if (compressionOf(header.attributes) === codec || isControlBatch(header.attributes)) return bytes;
      const section = recordsSection(bytes, header, RECORD_BATCH_DECOMPRESSED_MAX_BYTES);
      return withRecordsSection(bytes, codec, codec === Compression.none ? section : await compressRecords(codec, section));
    }),
  );
  return concatRecordSet(out);
}
