import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { CODEC_SNAPPY_NATIVE_MIN_BYTES } from '../../../../broker/constants.js';
import { Compression, inflateRecords } from '../../../../broker/protocol/codecs/index.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { decodeRecords } from '../../../../broker/protocol/record-batch.js';
import { Writer } from '../../../../broker/protocol/writer.js';
import { compressedBatch, enc, expectCorrupt, expectedRecords, recordsSection, sampleRecords, zeros, mutationsOf } from './helpers.js';

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];

/** xerial framing as snappy-java writes it: magic, version 1, compatible version 1, length-prefixed raw chunks. */
function xerial(data: Uint8Array, chunkBytes: number): Uint8Array {
  const w = new Writer();
  for (const b of XERIAL_MAGIC) w.uint8(b);
  w.int32(1).int32(1);
  for (let at = 0; at < data.byteLength; at += chunkBytes) {
    const chunk = compressSync(data.subarray(at, at + chunkBytes));
    w.int32(chunk.byteLength).raw(chunk);
  }
  return w.toUint8Array();
}

const raw = (data: Uint8Array): Uint8Array => new Uint8Array(compressSync(data));
const inflate = (body: Uint8Array, maxBytes: number): Uint8Array => inflateRecords(Compression.snappy, body, maxBytes);

describe('snappy records', () => {
  it('raw and xerial-framed sections decode to the records (any chunking)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 4096 }), (count, chunkBytes) => {
        const records = sampleRecords(count);
        const section = recordsSection(records);
        expect(decodeRecords(compressedBatch(records, Compression.snappy, raw(section)))).toEqual(expectedRecords(records));
        expect(decodeRecords(compressedBatch(records, Compression.snappy, xerial(section, chunkBytes)))).toEqual(expectedRecords(records));
      }),
      { numRuns: 25 },
    );
  });

  it('an xerial frame with no chunks is an empty section', () => {
    expect(inflate(xerial(new Uint8Array(0), 1), 10).byteLength).toBe(0);
  });

  it('inflates exactly up to the bound and refuses one byte past it, raw or framed', () => {
    const bound = 256 * 1024;
    expect(inflate(raw(zeros(bound)), bound).byteLength).toBe(bound);
    expect(inflate(xerial(zeros(bound), 32 * 1024), bound).byteLength).toBe(bound);
    expectCorrupt(() => inflate(raw(zeros(bound + 1)), bound), /snappy records inflate to 262145 bytes, past the 262144-byte bound/);
    expectCorrupt(() => inflate(xerial(zeros(bound + 1), 32 * 1024), bound), /inflate to 262145 bytes, past/);
  });

  it('blocks below CODEC_SNAPPY_NATIVE_MIN_BYTES inflate in JS, from it natively, to the same bytes', () => {
    const data = recordsSection(sampleRecords(400));
    for (const chunkBytes of [CODEC_SNAPPY_NATIVE_MIN_BYTES - 1, CODEC_SNAPPY_NATIVE_MIN_BYTES]) {
      expect(Buffer.from(inflate(xerial(data, chunkBytes), 1 << 20)).equals(data), `${chunkBytes}-byte chunks`).toBe(true);
    }
    for (const bytes of [CODEC_SNAPPY_NATIVE_MIN_BYTES - 1, CODEC_SNAPPY_NATIVE_MIN_BYTES]) {
      const block = data.subarray(0, bytes);
      expect(Buffer.from(inflate(raw(block), 1 << 20)).equals(block), `a ${bytes}-byte block`).toBe(true);
    }
  });

  it('the JS path refuses what the library refuses: bad copies, short literals, lying lengths', () => {
    const block = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);
    // length 4: literal "ab" (tag 0x04), then a copy of 2 from offset 2 (tag 0x01 | (2-1)<<2 = 0x06, offset UINT16LE).
    expect(inflate(block(4, 0x04, 97, 98, 0x06, 2, 0), 10)).toEqual(enc('abab'));
    expectCorrupt(() => inflate(block(4, 0x04, 97, 98, 0x06, 3, 0), 10), /a 2-byte copy from 3 back/);
    expectCorrupt(() => inflate(block(4, 0x04, 97, 98, 0x06, 0, 0), 10), /a 2-byte copy from 0 back/);
    expectCorrupt(() => inflate(block(4, 0x0c, 97, 98), 10), /a 4-byte literal past the end/);
    expectCorrupt(() => inflate(block(5, 0x04, 97, 98, 0x06, 2, 0), 10), /inflated to 4 bytes, declared 5/);
    expectCorrupt(() => inflate(block(3, 0x04, 97, 98, 0x06, 2, 0), 10), /a 2-byte copy from 2 back/);
    expectCorrupt(() => inflate(block(4, 0xfc, 1), 10), /a literal length past the end/);
  });

  it('a batch of many tiny xerial chunks inflates: no native call and no allocation per chunk', () => {
    const chunks = 20_000;
    const w = new Writer();
    for (const b of [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]) w.uint8(b);
    w.int32(1).int32(1);
    for (let i = 0; i < chunks; i++) w.int32(3).uint8(1).uint8(0).uint8(65); // one literal "A"
    expect(inflate(w.toUint8Array(), 1 << 20)).toEqual(new Uint8Array(chunks).fill(65));
  });

  it('refuses a bomb on its declared length, before inflating or allocating it', () => {
    // A raw block that claims 2^32 - 1 bytes: the snappy library would allocate that much up front.
    const claim = new Writer().uvarint(0xffffffff).raw(new Uint8Array(16)).toUint8Array();
    expectCorrupt(() => inflate(claim, 64 * 1024 * 1024), /inflate to 4294967295 bytes, past the 67108864-byte bound/);
    // 16 xerial chunks of 1 MiB of zeros each (snappy's best ratio is ~21:1).
    const bomb = xerial(zeros(16 * 1024 * 1024), 1024 * 1024);
    expect(bomb.byteLength * 20).toBeLessThan(16 * 1024 * 1024);
    expectCorrupt(() => inflate(bomb, 4 * 1024 * 1024), /inflate to 16777216 bytes, past the 4194304-byte bound/);
  });

  it('truncated or lying blocks and chunks are CORRUPT_MESSAGE', () => {
    const section = recordsSection(sampleRecords(20));
    const r = raw(section);
    expectCorrupt(() => inflate(r.subarray(0, r.byteLength - 3), 1 << 20), /snappy block 0 does not inflate/);
    expectCorrupt(() => inflate(new Uint8Array(0), 1 << 20), /snappy block 0 at byte 0 has no valid length/);
    const x = xerial(section, 100);
    expectCorrupt(() => inflate(x.subarray(0, x.byteLength - 1), 1 << 20), /xerial snappy chunk of \d+ bytes/);
    expectCorrupt(() => inflate(x.subarray(0, 12), 1 << 20), /xerial snappy header truncated/);
    // A block that declares one byte more than it holds.
    const lying = new Writer().uvarint(section.byteLength + 1).raw(r.subarray(new Writer().uvarint(section.byteLength).length)).toUint8Array();
    expectCorrupt(() => inflate(lying, 1 << 20), /snappy block 0/);
  });

  it('random and mutated sections only ever raise KafkaError', () => {
    const valid = xerial(recordsSection(sampleRecords(30)), 200);
    const mutated = mutationsOf(valid);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated, mutated.map((m) => m.subarray(XERIAL_MAGIC.length + 8 + 4))), (bytes) => {
        try {
          expect(inflate(bytes, 1 << 20).byteLength).toBeLessThanOrEqual(1 << 20);
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});
