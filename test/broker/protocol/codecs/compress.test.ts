/**
 * Compressing a records section as Kafka writes it: our own inflaters and the decoders kafkajs
 * uses (zlib, kafkajs-snappy, lz4js, fzstd) read back exactly what went in. librdkafka and
 * kafka-python read it in test/e2e/admin-*.test.ts.
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decompress as zstdDecompress } from 'fzstd';
import createSnappyCodec from 'kafkajs-snappy';
import * as lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { Compression, compressRecords, inflateRecords } from '../../../../broker/protocol/codecs/index.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { ErrorCode } from '../../../../broker/protocol/error-codes.js';
import { recordsSection, sampleRecords } from './helpers.js';

const CODECS = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const;
const BOUND = 8 << 20;

/** What the kafkajs side decodes with, per codec. */
const OTHER_DECODERS: Record<(typeof CODECS)[number], (b: Uint8Array) => Promise<Uint8Array>> = {
  [Compression.gzip]: async (b) => gunzipSync(b),
  [Compression.snappy]: (b) => createSnappyCodec().decompress(Buffer.from(b)),
  [Compression.lz4]: async (b) => lz4js.decompress(b),
  [Compression.zstd]: async (b) => zstdDecompress(b),
};

/** Text-like bytes (compressible, as records are) of any length. */
const sections = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.tuple(fc.string({ maxLength: 64 }), fc.integer({ min: 0, max: 200_000 })).map(([s, n]) => {
    const out = new Uint8Array(n);
    const src = new TextEncoder().encode(s || 'x');
    for (let i = 0; i < n; i++) out[i] = src[i % src.byteLength]! ^ (i % 251 === 0 ? i & 0xff : 0);
    return out;
  }),
);

describe.each(CODECS)('codec %i', (codec) => {
  it('inflates back to what was compressed, through our inflater and the kafkajs decoder', async () => {
    await fc.assert(
      fc.asyncProperty(sections, async (section) => {
        const compressed = await compressRecords(codec, section);
        expect(Buffer.from(inflateRecords(codec, compressed, BOUND)).equals(Buffer.from(section))).toBe(true);
        expect(Buffer.from(await OTHER_DECODERS[codec](compressed)).equals(Buffer.from(section))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('compresses a real records section smaller than it was', async () => {
    const section = recordsSection(sampleRecords(500));
    const compressed = await compressRecords(codec, section);
    expect(compressed.byteLength).toBeLessThan(section.byteLength / 2);
  });
});

describe('framing', () => {
  it('writes snappy in xerial framing, blocks of at most 32 KiB of input', async () => {
    const section = new Uint8Array(100_000).map((_, i) => i % 7);
    const out = await compressRecords(Compression.snappy, section);
    expect(Buffer.from(out.subarray(0, 16)).toString('hex')).toBe('82534e41505059000000000100000001');
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    let blocks = 0;
    for (let pos = 16; pos < out.byteLength; pos += 4 + dv.getInt32(pos)) blocks++;
    expect(blocks).toBe(Math.ceil(100_000 / 32_768));
  });

  it('writes one LZ4 frame with independent blocks, as KIP-57 readers expect', async () => {
    const out = await compressRecords(Compression.lz4, new Uint8Array(1000).fill(7));
    expect(new DataView(out.buffer, out.byteOffset).getUint32(0, true)).toBe(0x184d2204);
    const flg = out[4]!;
    expect([flg >> 6, (flg >> 5) & 1]).toEqual([1, 1]);
  });

  it('refuses a codec Kafka does not have', async () => {
    const err = await compressRecords(7, new Uint8Array(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
});
