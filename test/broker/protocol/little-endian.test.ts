import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LittleEndianReader, LittleEndianWriter } from '../../../broker/protocol/little-endian.js';

class LayoutError extends Error {}
const fail = (message: string): Error => new LayoutError(message);

describe('LittleEndianReader and LittleEndianWriter', () => {
  it('read and write little-endian integers and length-prefixed bytes', () => {
    const out = new Uint8Array(4 + 4 + 8 + 6 + 4 + 7);
    const w = new LittleEndianWriter(out);
    w.uint32(0xfffffffe).int32(-2).int64(-3n).nullableBytes(Uint8Array.of(0x68, 0x69)).nullableBytes(null).bytesU32(Uint8Array.of(1, 2, 3));
    expect(w.offset).toBe(out.length);
    expect([...out.subarray(0, 8)]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff]);
    const r = new LittleEndianReader(out);
    expect(r.uint32()).toBe(0xfffffffe);
    expect(r.int32()).toBe(-2);
    expect(r.int64()).toBe(-3n);
    expect(r.nullableBytes()).toEqual(Uint8Array.of(0x68, 0x69));
    expect(r.nullableBytes()).toBeNull();
    expect(r.bytesU32()).toEqual(Uint8Array.of(1, 2, 3));
    expect(r.remaining).toBe(0);
  });

  it('reads through a view at any offset of its buffer', () => {
    const backing = Uint8Array.of(9, 9, 9, 1, 0, 0, 0, 9);
    expect(new LittleEndianReader(backing.subarray(3, 7)).uint32()).toBe(1);
  });

  it('throws the owner’s error, naming the field, on a read past the end or a bad length', () => {
    const reads: Array<(r: LittleEndianReader) => unknown> = [
      (r) => r.uint32('count'),
      (r) => r.int32('count'),
      (r) => r.int64('offset'),
      (r) => r.raw(5, 'key'),
      (r) => r.bytesU32('key'),
      (r) => r.nullableBytes('key'),
      (r) => r.bytes32('key'),
    ];
    for (const read of reads) expect(() => read(new LittleEndianReader(Uint8Array.of(1, 0, 0), fail))).toThrow(LayoutError);
    expect(() => new LittleEndianReader(Uint8Array.of(0xfe, 0xff, 0xff, 0xff), fail).nullableBytes('key')).toThrow(/key length -2/);
    expect(() => new LittleEndianReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff), fail).bytes32('key')).toThrow(/key length -1/);
    expect(() => new LittleEndianReader(Uint8Array.of(4, 0, 0, 0, 1), fail).bytesU32('value')).toThrow(/value runs past the end \(8 > 5\)/);
  });

  it('passes over length-prefixed bytes without a view, with the same checks', () => {
    const r = new LittleEndianReader(Uint8Array.of(2, 0, 0, 0, 7, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0), fail);
    expect(r.skipBytes32('key', false)).toBe(2);
    expect(r.skipBytes32('value', true)).toBe(-1);
    expect(r.skipBytes32('header key', false)).toBe(0);
    expect(r.remaining).toBe(0);
    expect(() => new LittleEndianReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff), fail).skipBytes32('key', false)).toThrow(/key length -1/);
    expect(() => new LittleEndianReader(Uint8Array.of(9, 0, 0, 0, 1), fail).skipBytes32('value', true)).toThrow(LayoutError);
  });

  it('refuses to write past the end of its buffer', () => {
    expect(() => new LittleEndianWriter(new Uint8Array(7)).int64(1n)).toThrow(RangeError);
    expect(() => new LittleEndianWriter(new Uint8Array(5), fail).nullableBytes(Uint8Array.of(1, 2))).toThrow(LayoutError);
  });

  it('gives back what it wrote, for any values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.option(fc.uint8Array({ maxLength: 64 })), (u, i, l, b) => {
        const out = new Uint8Array(16 + 4 + (b?.length ?? 0));
        new LittleEndianWriter(out).uint32(u).int32(i).int64(l).nullableBytes(b);
        const r = new LittleEndianReader(out);
        expect([r.uint32(), r.int32(), r.int64(), r.nullableBytes()]).toEqual([u, i, l, b]);
      }),
    );
  });

  it('random bytes read as anything fail only with the owner’s error, never beyond the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const r = new LittleEndianReader(bytes, fail);
        try {
          for (;;) {
            const b = r.nullableBytes();
            if (b !== null) expect(b.buffer).toBe(bytes.buffer);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(LayoutError);
        }
      }),
    );
  });
});
