/**
 * Recompression on produce, for a topic whose compression.type names a codec (Kafka's meaning:
 * `producer` keeps each batch as sent, `uncompressed` stores none compressed, gzip / snappy / lz4 /
 * zstd store every batch in that codec). A batch in another codec is inflated and compressed again;
 * its offsets, timestamps, producer id, epoch and base sequence stay, so idempotence and the
 * acknowledged offsets are what they would have been, and its CRC is computed afresh.
 */
import { RECOMPRESS_INFLATED_IN_FLIGHT_MAX_BYTES, RECORD_BATCH_DECOMPRESSED_MAX_BYTES } from '../constants.js';
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

export interface RecompressOptions {
  /** Inflated bytes held at once (default RECOMPRESS_INFLATED_IN_FLIGHT_MAX_BYTES); one batch always goes. */
  inflatedInFlightMaxBytes?: number;
  /** Told the inflated bytes in flight each time a batch starts (tests watch the bound). */
  onInFlight?: (bytes: number) => void;
}

/**
 * The record set (whole, CRC-checked batches) with every batch in `codec`: the same bytes when
 * every batch already is, else a new record set. Control batches are kept as they are. Batches are
 * compressed concurrently (on the thread pool) while what they inflated to stays within the bound.
 * A batch that does not inflate is CORRUPT_MESSAGE, one that inflates past the bound too.
 */
export async function recompressRecordSet(recordSet: Uint8Array, codec: Compression, options: RecompressOptions = {}): Promise<Uint8Array> {
  const boundBytes = options.inflatedInFlightMaxBytes ?? RECOMPRESS_INFLATED_IN_FLIGHT_MAX_BYTES;
  const batches = [...iterateBatches(recordSet)];
  const keep = (attributes: number) => compressionOf(attributes) === codec || isControlBatch(attributes);
  if (batches.every((b) => keep(b.header.attributes))) return recordSet;
  const out: Promise<Uint8Array>[] = [];
  let window: Promise<unknown>[] = [];
  let inFlightBytes = 0;
  for (const { bytes, header } of batches) {
    if (keep(header.attributes)) {
      out.push(Promise.resolve(bytes));
      continue;
    }
    const section = recordsSection(bytes, header, RECORD_BATCH_DECOMPRESSED_MAX_BYTES);
    if (inFlightBytes > 0 && inFlightBytes + section.byteLength > boundBytes) {
      await Promise.all(window);
      window = [];
      inFlightBytes = 0;
    }
    inFlightBytes += section.byteLength;
    options.onInFlight?.(inFlightBytes);
    const rebuilt = (codec === Compression.none ? Promise.resolve(section) : compressRecords(codec, section)).then((s) => withRecordsSection(bytes, codec, s));
    // Settles the window without a second rejection path: the failure surfaces through `out`.
    window.push(rebuilt.catch(() => undefined));
    out.push(rebuilt);
  }
  return concatRecordSet(await Promise.all(out));
}
