/**
 * kafkajs decodes only gzip by itself; a consumer reading what kcat wrote with snappy, lz4 or zstd needs
 * codecs registered. Pure-JS ones (no native builds): kafkajs-snappy (one raw snappy block; kafka-python is the client that writes xerial framing), lz4js (LZ4 frames, as
 * Kafka uses), fzstd (decompression only: tests produce zstd with kcat, never with kafkajs).
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';
import { decompress as zstdDecompress } from 'fzstd';

let registered = false;

export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = createSnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return Buffer.from(lz4.compress(encoder.buffer));
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(lz4.decompress(buffer));
    },
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    async compress() {
      throw new Error('zstd compression is not available to kafkajs in tests (decompression only)');
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(zstdDecompress(buffer));
    },
  });
}
