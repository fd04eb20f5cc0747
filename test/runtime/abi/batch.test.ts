import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchDecodeError, batchLayoutError, batchRecordCount, decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';

const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(b));
const record: fc.Arbitrary<HostRecord> = fc.record({
  offset: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  timestampMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 16 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 4 }),
});

describe('ABI v1 record batch', () => {
  it('encodes the example of sdk/ABI.md §4 byte for byte', () => {
    const encoded = encodeBatch([{ offset: 7n, timestampMs: 1000n, key: null, value: new TextEncoder().encode('hi'), headers: [] }]);
    expect(Buffer.from(encoded).toString('hex')).toBe(
      '01000000' + '0700000000000000' + 'e803000000000000' + 'ffffffff' + '020000006869' + '00000000',
    );
    expect(encoded.length).toBe(34);
  });

  it('encodes headers, null header values and empty keys', () => {
    const encoded = encodeBatch([
      { offset: 1n, timestampMs: -1n, key: new Uint8Array(0), value: null, headers: [{ key: 'é', value: null }, { key: '', value: new Uint8Array([9]) }] },
    ]);
    expect(Buffer.from(encoded).toString('hex')).toBe(
      '01000000' + '0100000000000000' + 'ffffffffffffffff' + '00000000' + 'ffffffff' + '02000000' +
        '02000000c3a9' + 'ffffffff' + '00000000' + '0100000009',
    );
  });

  it('decode(encode(records)) is the identity', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const encoded = encodeBatch(records);
        expect(batchRecordCount(encoded)).toBe(records.length);
        expect(decodeBatch(encoded)).toEqual(records);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes decode or fail with BatchDecodeError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          decodeBatch(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(BatchDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated and truncated valid batches fail cleanly or decode to something re-encodable', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (records, at, byte, truncate) => {
          const encoded = encodeBatch(records);
          const i = at % encoded.length;
          const mutated = truncate ? encoded.slice(0, i) : encoded.slice();
          if (!truncate) mutated[i] = byte;
          try {
            const decoded = decodeBatch(mutated);
            expect(encodeBatch(decoded)).toEqual(mutated);
          } catch (err) {
            expect(err).toBeInstanceOf(BatchDecodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes header keys in any UTF-8 and refuses one that is not', () => {
    const batch = encodeBatch([{ offset: 0n, timestampMs: 0n, key: null, value: null, headers: [{ key: 'ключ-🔑', value: null }] }]);
    expect(batchLayoutError(batch)).toBeNull();
    const at = batch.indexOf(0xd0); // the first byte of 'к'
    const bad = batch.slice();
    bad[at] = 0xff;
    expect(batchLayoutError(bad)).toBe('record 0: header 0 key is not UTF-8');
    expect(() => decodeBatch(bad)).toThrow(BatchDecodeError);
  });

  it('refuses a count that cannot fit before allocating for it', () => {
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
    expect(() => decodeBatch(huge)).toThrow(/claims 2147483647 records in 8 bytes/);
    const headerBomb = encodeBatch([{ offset: 0n, timestampMs: 0n, key: null, value: null, headers: [] }]);
    new DataView(headerBomb.buffer).setInt32(4 + 16 + 4 + 4, 0x7fffffff, true);
    expect(() => decodeBatch(headerBomb)).toThrow(/header count 2147483647/);
  });

  it('refuses trailing bytes and negative lengths other than -1', () => {
    const ok = encodeBatch([{ offset: 0n, timestampMs: 0n, key: null, value: null, headers: [] }]);
    expect(() => decodeBatch(new Uint8Array([...ok, 0]))).toThrow(/1 bytes after the last record/);
    const bad = ok.slice();
    new DataView(bad.buffer).setInt32(20, -2, true);
    expect(() => decodeBatch(bad)).toThrow(/key length -2/);
  });
});
