import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Compression, inflateRecords } from '../../../../broker/protocol/codecs/index.js';
import { expectCorrupt, recordsSection, sampleRecords, zeros } from './helpers.js';

const inflate = (body: Uint8Array, maxBytes: number): Uint8Array => inflateRecords(Compression.gzip, body, maxBytes);

describe('gzip records', () => {
  it('inflates exactly up to the bound and refuses one byte past it (zlib maxOutputLength)', () => {
    const bound = 300 * 1024;
    expect(inflate(gzipSync(zeros(bound)), bound).byteLength).toBe(bound);
    expectCorrupt(() => inflate(gzipSync(zeros(bound + 1)), bound), /gzip records inflate to more than 307200 bytes, past the 307200-byte bound/);
  });

  it('concatenated members inflate as one section, as Java and librdkafka may write them', () => {
    const section = recordsSection(sampleRecords(50));
    const half = section.byteLength >> 1;
    const body = Buffer.concat([gzipSync(section.subarray(0, half)), gzipSync(section.subarray(half))]);
    expect(Buffer.from(inflate(body, 1 << 20)).equals(section)).toBe(true);
  });

  it('truncated or corrupted members are CORRUPT_MESSAGE', () => {
    const body = gzipSync(recordsSection(sampleRecords(50)));
    expectCorrupt(() => inflate(body.subarray(0, body.byteLength - 5), 1 << 20), /gzip records do not inflate: unexpected end/);
    const bad = Buffer.from(body);
    bad[bad.byteLength - 6]! ^= 0xff; // inside the CRC-32 trailer
    expectCorrupt(() => inflate(bad, 1 << 20), /gzip records do not inflate: incorrect data check/);
  });
});
