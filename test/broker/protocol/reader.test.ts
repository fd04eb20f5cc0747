import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../../broker/protocol/reader.js';
import { Writer } from '../../../broker/protocol/writer.js';
import { ProtocolError } from '../../../broker/protocol/errors.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('Reader', () => {
  it('reads big-endian fixed-width integers', () => {
    const r = new Reader(bytes(0xff, 0x80, 0x00, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd));
    expect(r.int8()).toBe(-1);
    expect(r.int16()).toBe(-32768);
    expect(r.int32()).toBe(-2);
    expect(r.int64()).toBe(-3n);
    expect(r.remaining).toBe(0);
  });

  it('throws ProtocolError on every read past the end', () => {
    const reads: Array<(r: Reader) => unknown> = [
      (r) => r.int8(),
      (r) => r.int16(),
      (r) => r.int32(),
      (r) => r.uint32(),
      (r) => r.int64(),
      (r) => r.uvarint(),
      (r) => r.varlong(),
      (r) => r.string(),
      (r) => r.bytes(),
      (r) => r.compactString(),
      (r) => r.array((x) => x.int8()),
    ];
    for (const read of reads) expect(() => read(new Reader(new Uint8Array(0)))).toThrow(ProtocolError);
    // a length that points past the end
    expect(() => new Reader(bytes(0, 5, 0x61)).string()).toThrow(ProtocolError);
    expect(() => new Reader(bytes(0, 0, 0, 9, 1)).bytes()).toThrow(ProtocolError);
    expect(() => new Reader(bytes(3, 0x61)).compactString()).toThrow(ProtocolError);
  });

  it('distinguishes null from required strings and bytes', () => {
    expect(new Reader(bytes(0xff, 0xff)).nullableString()).toBeNull();
    expect(() => new Reader(bytes(0xff, 0xff)).string()).toThrow(ProtocolError);
    expect(() => new Reader(bytes(0xff, 0xfe)).nullableString()).toThrow(ProtocolError);
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).nullableBytes()).toBeNull();
    expect(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff)).bytes()).toThrow(ProtocolError);
    expect(new Reader(bytes(0)).compactNullableString()).toBeNull();
    expect(() => new Reader(bytes(0)).compactString()).toThrow(ProtocolError);
    expect(new Reader(bytes(1)).compactString()).toBe('');
  });

  it('refuses a hostile array count before allocating', () => {
    const r = new Reader(bytes(0x7f, 0xff, 0xff, 0xff, 1, 2, 3));
    let calls = 0;
    expect(() =>
      r.array((x) => {
        calls++;
        return x.int8();
      }),
    ).toThrow(/exceeds/);
    expect(calls).toBe(0);
    expect(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 1)).compactArray((x) => x.int8())).toThrow(/exceeds/);
    expect(() => new Reader(bytes(0x80, 0, 0, 0)).array((x) => x.int8())).toThrow(ProtocolError);
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).nullableArray((x) => x.int8())).toBeNull();
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).array((x) => x.int8())).toEqual([]);
  });

  it('rejects over-long and overflowing varints', () => {
    expect(() => new Reader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).uvarint()).toThrow(ProtocolError);
    expect(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x1f)).uvarint()).toThrow(/overflows/);
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)).uvarint()).toBe(0xffffffff);
    expect(() => new Reader(new Uint8Array(11).fill(0x80)).uvarlong()).toThrow(ProtocolError);
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).uvarlong()).toBe(2n ** 64n - 1n);
    expect(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)).uvarlong()).toThrow(/overflows/);
  });

  it('matches the Kafka zigzag encoding examples', () => {
    // From the protocol guide: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, 300 -> ac 02 before zigzag
    expect([...new Writer().varint(0).varint(-1).varint(1).varint(-2).toUint8Array()]).toEqual([0, 1, 2, 3]);
    expect([...new Writer().uvarint(300).toUint8Array()]).toEqual([0xac, 0x02]);
    expect(new Reader(bytes(0xac, 0x02)).uvarint()).toBe(300);
  });

  it('skips tagged fields and rejects out-of-order tags', () => {
    const w = new Writer().taggedFields(new Map([[0, bytes(1, 2)], [5, bytes()]])).int8(7);
    const r = new Reader(w.toUint8Array());
    const tags = r.taggedFields();
    expect([...tags.keys()]).toEqual([0, 5]);
    expect(r.int8()).toBe(7);
    expect(() => new Reader(bytes(2, 5, 0, 1, 0)).taggedFields()).toThrow(/out of order/);
  });

  it('returns byte fields as views without copying', () => {
    const buf = bytes(0, 0, 0, 2, 9, 8);
    const b = new Reader(buf).bytes();
    expect(b.buffer).toBe(buf.buffer);
    expect([...b]).toEqual([9, 8]);
  });

  it('honours a sub-range of the buffer', () => {
    const r = new Reader(bytes(1, 2, 3, 4), 1, 3);
    expect(r.int8()).toBe(2);
    expect(r.int8()).toBe(3);
    expect(() => r.int8()).toThrow(ProtocolError);
    expect(() => new Reader(bytes(1), 0, 2)).toThrow(ProtocolError);
  });
});

describe('Reader/Writer round trip (property)', () => {
  const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
  const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  type Op =
    | { t: 'int8'; v: number }
    | { t: 'int16'; v: number }
    | { t: 'int32'; v: number }
    | { t: 'uint32'; v: number }
    | { t: 'int64'; v: bigint }
    | { t: 'varint'; v: number }
    | { t: 'uvarint'; v: number }
    | { t: 'varlong'; v: bigint }
    | { t: 'nullableString'; v: string | null }
    | { t: 'compactNullableString'; v: string | null }
    | { t: 'nullableBytes'; v: Uint8Array | null }
    | { t: 'compactNullableBytes'; v: Uint8Array | null }
    | { t: 'varintBytes'; v: Uint8Array | null };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.integer({ min: -128, max: 127 }).map((v) => ({ t: 'int8' as const, v })),
    fc.integer({ min: -32768, max: 32767 }).map((v) => ({ t: 'int16' as const, v })),
    i32.map((v) => ({ t: 'int32' as const, v })),
    fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ t: 'uint32' as const, v })),
    i64.map((v) => ({ t: 'int64' as const, v })),
    i32.map((v) => ({ t: 'varint' as const, v })),
    fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ t: 'uvarint' as const, v })),
    i64.map((v) => ({ t: 'varlong' as const, v })),
    fc.option(fc.string({ unit: 'grapheme' })).map((v) => ({ t: 'nullableString' as const, v })),
    fc.option(fc.string({ unit: 'grapheme' })).map((v) => ({ t: 'compactNullableString' as const, v })),
    fc.option(fc.uint8Array()).map((v) => ({ t: 'nullableBytes' as const, v })),
    fc.option(fc.uint8Array()).map((v) => ({ t: 'compactNullableBytes' as const, v })),
    fc.option(fc.uint8Array()).map((v) => ({ t: 'varintBytes' as const, v })),
  );

  it('reads back exactly what was written', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const w = new Writer(16);
        for (const o of ops) (w[o.t] as (v: unknown) => Writer)(o.v);
        const r = new Reader(w.toUint8Array());
        for (const o of ops) {
          const got = (r[o.t] as () => unknown).call(r);
          expect(got).toEqual(o.v);
        }
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
