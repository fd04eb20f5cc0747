import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CODEC_ZSTD_WINDOW_MAX_BYTES } from '../../../../broker/constants.js';
import { Compression, inflateRecords } from '../../../../broker/protocol/codecs/index.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { decodeRecords } from '../../../../broker/protocol/record-batch.js';
import { compressedBatch, expectCorrupt, expectedRecords, recordsSection, sampleRecords, mutationsOf } from './helpers.js';

const inflate = (body: Uint8Array, maxBytes: number): Uint8Array => inflateRecords(Compression.zstd, body, maxBytes);

type Block = { raw: Uint8Array } | { rle: number; bytes: number };
interface FrameSpec {
  blocks: Block[];
  /** Window descriptor byte (ignored for single-segment frames); 0x38 is 2^(10+7) = 128 KiB. */
  window?: number;
  contentBytes?: number;
  singleSegment?: boolean;
}

/** A zstd frame built by hand from raw and RLE blocks (RFC 8878): valid zstd, no encoder needed. */
function zstdFrame(spec: FrameSpec): Uint8Array {
  const out: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  const fcsFlag = spec.contentBytes === undefined ? 0 : 3; // 8-byte content size
  out.push((fcsFlag << 6) | (spec.singleSegment ? 0x20 : 0));
  if (!spec.singleSegment) out.push(spec.window ?? 0x38);
  if (spec.contentBytes !== undefined) for (let i = 0, v = spec.contentBytes; i < 8; i++, v = Math.floor(v / 256)) out.push(v % 256);
  spec.blocks.forEach((b, i) => {
    const last = i === spec.blocks.length - 1 ? 1 : 0;
    const header = 'raw' in b ? (b.raw.byteLength << 3) | last : (b.bytes << 3) | (1 << 1) | last;
    out.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff);
    if ('raw' in b) for (const byte of b.raw) out.push(byte);
    else out.push(b.rle);
  });
  return new Uint8Array(out);
}

/** Raw blocks of at most 128 KiB (the zstd block maximum). */
const rawBlocks = (data: Uint8Array, blockBytes = 128 * 1024): Block[] =>
  Array.from({ length: Math.max(1, Math.ceil(data.byteLength / blockBytes)) }, (_, i) => ({ raw: data.subarray(i * blockBytes, (i + 1) * blockBytes) }));
const rleBlocks = (bytes: number): Block[] =>
  Array.from({ length: Math.ceil(bytes / (128 * 1024)) }, (_, i) => ({ rle: 0, bytes: Math.min(128 * 1024, bytes - i * 128 * 1024) }));

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/protocol/zstd');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(fixtures, name)));

describe('zstd records', () => {
  it('hand-built frames (raw blocks of any size, with or without a content size) decode to the records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 4096 }), fc.boolean(), (count, blockBytes, sized) => {
        const records = sampleRecords(count);
        const section = recordsSection(records);
        const body = zstdFrame({ blocks: rawBlocks(section, blockBytes), contentBytes: sized ? section.byteLength : undefined });
        expect(decodeRecords(compressedBatch(records, Compression.zstd, body))).toEqual(expectedRecords(records));
      }),
      { numRuns: 25 },
    );
  });

  it('frames the zstd CLI wrote (levels 3 and 19, streamed and sized, checksummed, two frames) decode to the records', () => {
    const section = recordsSection(sampleRecords(2000));
    for (const name of ['sample-l3-stream.zst', 'sample-l19-sized-check.zst', 'sample-two-frames.zst']) {
      expect(Buffer.from(inflate(fixture(name), 1 << 20)).equals(section), name).toBe(true);
    }
  });

  it('inflates exactly up to the bound and refuses one byte past it (raw and RLE blocks, declared sizes)', () => {
    const bound = 300 * 1024;
    expect(inflate(zstdFrame({ blocks: rleBlocks(bound) }), bound).byteLength).toBe(bound);
    expect(inflate(zstdFrame({ blocks: rawBlocks(new Uint8Array(bound)) }), bound).byteLength).toBe(bound);
    expectCorrupt(() => inflate(zstdFrame({ blocks: rleBlocks(bound + 1) }), bound), /zstd records inflate to 307201 bytes, past the 307200-byte bound/);
    expectCorrupt(() => inflate(zstdFrame({ blocks: rawBlocks(new Uint8Array(bound + 1)) }), bound), /zstd records inflate to 307201 bytes, past/);
    expectCorrupt(() => inflate(zstdFrame({ blocks: rleBlocks(bound + 1), contentBytes: bound + 1 }), bound), /zstd records inflate to 307201 bytes, past/);
  });

  it('counts a compressed block at the block maximum, min(window, 128 KiB), before inflating it', () => {
    // kcat's frame: one compressed block of 363 bytes in a 2 MiB window.
    const kcat = fixture('kcat-records.zst');
    expect(inflate(kcat, 128 * 1024).byteLength).toBe(363);
    expectCorrupt(() => inflate(kcat, 128 * 1024 - 1), /zstd records inflate to up to 131072 bytes, past the 131071-byte bound/);
    // A declared content size is exact, whatever its blocks could hold.
    expect(inflate(fixture('sample-l19-sized-check.zst'), recordsSection(sampleRecords(2000)).byteLength).byteLength).toBe(185449);
  });

  it('stops an RLE bomb at the bound from its block headers: 4 bytes per 128 KiB block', () => {
    const bomb = zstdFrame({ blocks: rleBlocks(1 << 30), window: 0x38 });
    expect(bomb.byteLength).toBeLessThan(40 * 1024);
    expectCorrupt(() => inflate(bomb, 4 << 20), /zstd records inflate to 4325376 bytes, past the 4194304-byte bound/);
    // Declared up front: refused without inflating anything.
    expectCorrupt(() => inflate(zstdFrame({ blocks: [{ rle: 0, bytes: 1 }], contentBytes: 2 ** 40 }), 64 << 20), /inflate to 1099511627776 bytes, past/);
  });

  it('a frame of many tiny blocks inflates (libzstd is linear in blocks; fzstd shifted its window per block)', () => {
    const tiny = zstdFrame({ blocks: Array.from({ length: 10_000 }, () => ({ rle: 7, bytes: 1 })), window: 11 << 3 });
    expect(inflate(tiny, 1 << 20)).toEqual(new Uint8Array(10_000).fill(7));
  });

  it('a bad content checksum or a lying content size is CORRUPT_MESSAGE', () => {
    const checked = fixture('sample-l19-sized-check.zst').slice();
    checked[checked.byteLength - 1]! ^= 0x01;
    expectCorrupt(() => inflate(checked, 1 << 20), /zstd frame does not inflate: .*checksum/i);
    const data = new Uint8Array([1, 2, 3, 4]);
    expectCorrupt(() => inflate(zstdFrame({ blocks: [{ raw: data }], contentBytes: 5 }), 1 << 20), /zstd frame does not inflate/);
    expectCorrupt(() => inflate(zstdFrame({ blocks: [{ raw: data }], contentBytes: 3 }), 1 << 20), /zstd frame does not inflate/);
  });

  it('refuses a window past CODEC_ZSTD_WINDOW_MAX_BYTES before the decoder allocates it', () => {
    // Window descriptor: exponent in bits 7-3 (2^(10+e)), eighths of it in bits 2-0.
    const exponent = Math.log2(CODEC_ZSTD_WINDOW_MAX_BYTES) - 10;
    expect(Number.isInteger(exponent)).toBe(true);
    const tiny = [{ raw: new Uint8Array([1, 2, 3]) }];
    expect(inflate(zstdFrame({ blocks: tiny, window: exponent << 3 }), 1024)).toEqual(new Uint8Array([1, 2, 3]));
    expectCorrupt(() => inflate(zstdFrame({ blocks: tiny, window: (exponent << 3) | 1 }), 1024), /zstd frame window of \d+ bytes is past the 67108864-byte bound/);
    // A real frame: `zstd --long=27` (a 128 MiB window).
    expectCorrupt(() => inflate(fixture('sample-long27.zst'), 1 << 20), /zstd frame window of 134217728 bytes/);
  });

  it('truncated frames, trailing garbage, reserved bits and dictionaries are CORRUPT_MESSAGE', () => {
    const real = fixture('sample-l19-sized-check.zst');
    expectCorrupt(() => inflate(real.subarray(0, real.byteLength - 2), 1 << 20), /zstd frame truncated: the content checksum/);
    expectCorrupt(() => inflate(real.subarray(0, real.byteLength - 40), 1 << 20), /zstd frame truncated: a block needs/);
    expectCorrupt(() => inflate(real.subarray(0, 3), 1 << 20), /zstd frame truncated: a frame magic/);
    expectCorrupt(() => inflate(new Uint8Array(0), 1 << 20), /no frame/);
    expectCorrupt(() => inflate(Buffer.concat([real, new Uint8Array([1, 2, 3, 4, 5])]), 1 << 20), /not a zstd frame at byte/);
    const reserved = zstdFrame({ blocks: [{ raw: new Uint8Array(1) }] });
    reserved[4]! |= 0x08;
    expectCorrupt(() => inflate(reserved, 1 << 20), /sets the reserved bit/);
    const dictionary = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x38, 0x07, 0x01, 0x00, 0x00]);
    expectCorrupt(() => inflate(dictionary, 1 << 20), /needs dictionary 7/);
    const reservedBlock = zstdFrame({ blocks: [{ raw: new Uint8Array(1) }] });
    reservedBlock[6]! |= 0x06;
    expectCorrupt(() => inflate(reservedBlock, 1 << 20), /reserved block type/);
    // A compressed block cut short inside (the walk sees whole blocks; fzstd sees the bad data).
    const kcat = fixture('sample-l3-stream.zst').slice();
    kcat.fill(0xff, 12, 40);
    expectCorrupt(() => inflate(kcat, 1 << 20), /zstd records do not decode|zstd frame/);
  });

  it('skippable frames are skipped', () => {
    const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const data = new Uint8Array([5, 6, 7]);
    expect(inflate(Buffer.concat([skippable, zstdFrame({ blocks: [{ raw: data }] })]), 10)).toEqual(data);
  });

  it('random and mutated frames only ever raise KafkaError', () => {
    const valid = fixture('sample-l3-stream.zst');
    const mutated = mutationsOf(valid);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        try {
          expect(inflate(bytes, 1 << 20).byteLength).toBeLessThanOrEqual(1 << 20);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
