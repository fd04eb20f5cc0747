import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import * as lz4js from 'lz4js';
import { Compression, inflateRecords } from '../../../../broker/protocol/codecs/index.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { decodeRecords } from '../../../../broker/protocol/record-batch.js';
import { Writer } from '../../../../broker/protocol/writer.js';
import { compressedBatch, expectCorrupt, expectedRecords, recordsSection, sampleRecords, zeros, mutationsOf } from './helpers.js';

// lz4js's xxh32, to forge frame descriptors with a valid header checksum.
const { hash: xxh32 } = createRequire(import.meta.url)('lz4js/xxh32.js') as { hash: (seed: number, src: Uint8Array, index: number, length: number) => number };

const inflate = (body: Uint8Array, maxBytes: number): Uint8Array => inflateRecords(Compression.lz4, body, maxBytes);
const frame = (data: Uint8Array, options: { contentChecksum?: boolean; blockChecksums?: boolean } = {}): Uint8Array =>
  new Uint8Array(compressFrameSync(Buffer.from(data), options));

/** A frame header: magic, FLG, BD, [content size], HC. */
function header(flg: number, bd: number, contentBytes?: number): Uint8Array {
  const w = new Writer().uint32(0x04224d18).uint8(flg).uint8(bd);
  if (contentBytes !== undefined) w.uint32(0).uint32(0);
  const out = w.uint8(0).toUint8Array();
  const view = new DataView(out.buffer);
  if (contentBytes !== undefined) view.setUint32(6, contentBytes, true);
  out[out.byteLength - 1] = (xxh32(0, out, 4, out.byteLength - 5) >>> 8) & 0xff;
  return out;
}

/** One little-endian uint32. */
const le32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const cat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe('lz4 records (frame format)', () => {
  it('frames from lz4-napi (checksums on or off) and from lz4js (kafkajs) decode to the records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.boolean(), fc.boolean(), (count, contentChecksum, blockChecksums) => {
        const records = sampleRecords(count);
        const section = recordsSection(records);
        for (const body of [frame(section, { contentChecksum, blockChecksums }), lz4js.compress(section)]) {
          expect(decodeRecords(compressedBatch(records, Compression.lz4, body))).toEqual(expectedRecords(records));
        }
      }),
      { numRuns: 25 },
    );
  });

  it('decodes stored (uncompressed) blocks, which incompressible data gets', () => {
    const data = new Uint8Array(Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24));
    const stored = cat(header(0x60, 0x40), le32(0x80000000 | data.byteLength), data, le32(0));
    expect(inflate(stored, data.byteLength)).toEqual(data);
    expectCorrupt(() => inflate(stored, data.byteLength - 1), /lz4 records inflate to 5000 bytes, past the 4999-byte bound/);
  });

  it('inflates exactly up to the bound and refuses one byte past it, counting the sequences', () => {
    const bound = 300 * 1024; // not a multiple of the 64 KiB blocks: the block-count estimate overshoots it
    expect(inflate(frame(zeros(bound)), bound).byteLength).toBe(bound);
    expectCorrupt(() => inflate(frame(zeros(bound + 1)), bound), /lz4 records inflate to 307201 bytes, past the 307200-byte bound/);
  });

  it('refuses a bomb before inflating it: by its content size, or by its blocks', () => {
    expectCorrupt(() => inflate(cat(header(0x68, 0x40, 1 << 30), le32(0)), 64 << 20), /inflate to 1073741824 bytes, past the 67108864-byte bound/);
    const bomb = frame(zeros(16 << 20));
    expect(bomb.byteLength * 200).toBeLessThan(16 << 20);
    expectCorrupt(() => inflate(bomb, 4 << 20), /inflate to 16777216 bytes, past the 4194304-byte bound/);
  });

  it('bad header, block and content checksums are CORRUPT_MESSAGE', () => {
    const section = recordsSection(sampleRecords(40));
    const plain = frame(section);
    const badHeader = plain.slice();
    badHeader[6]! ^= 0x01;
    expectCorrupt(() => inflate(badHeader, 1 << 20), /LZ4 frame does not inflate: .*Header ?Checksum/i);
    const withContent = frame(section, { contentChecksum: true });
    withContent[withContent.byteLength - 1]! ^= 0x01;
    expectCorrupt(() => inflate(withContent, 1 << 20), /LZ4 frame does not inflate: .*Content ?Checksum/i);
    const withBlocks = frame(section, { blockChecksums: true });
    withBlocks[withBlocks.byteLength - 5]! ^= 0x01; // the last block's checksum, before the end mark
    expectCorrupt(() => inflate(withBlocks, 1 << 20), /LZ4 frame does not inflate: .*Block ?Checksum/i);
  });

  it('truncated frames, trailing bytes and reserved descriptor bits are CORRUPT_MESSAGE', () => {
    const plain = frame(recordsSection(sampleRecords(40)));
    // lz4-napi itself would decode a frame missing its end mark, and ignore bytes after it.
    expectCorrupt(() => inflate(plain.subarray(0, plain.byteLength - 4), 1 << 20), /LZ4 frame truncated: a block size or the end mark/);
    expectCorrupt(() => inflate(plain.subarray(0, plain.byteLength - 9), 1 << 20), /LZ4 frame truncated: a block needs/);
    expectCorrupt(() => inflate(plain.subarray(0, 5), 1 << 20), /LZ4 frame truncated: the frame header/);
    expectCorrupt(() => inflate(cat(plain, plain), 1 << 20), /bytes after the LZ4 frame's end/);
    expectCorrupt(() => inflate(cat(header(0x62, 0x40), le32(0)), 1 << 20), /sets reserved bits/);
    expectCorrupt(() => inflate(cat(header(0x61, 0x40), le32(0)), 1 << 20), /needs a dictionary/);
    expectCorrupt(() => inflate(cat(header(0x60, 0x30), le32(0)), 1 << 20), /block maximum size code 3 is reserved/);
    expectCorrupt(() => inflate(cat(header(0x60, 0x40), le32(70_000), new Uint8Array(70_000), le32(0)), 1 << 30), /exceeds the frame's 65536-byte block maximum/);
    expectCorrupt(() => inflate(zeros(20), 1 << 20), /not an LZ4 frame/);
  });

  it('random and mutated frames only ever raise KafkaError', () => {
    const valid = frame(recordsSection(sampleRecords(30)), { contentChecksum: true });
    const mutated = mutationsOf(valid);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), fc.integer({ min: 0, max: 4096 }), (bytes, bound) => {
        try {
          expect(inflate(bytes, bound).byteLength).toBeLessThanOrEqual(bound);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});
