import { describe, expect, it } from 'vitest';
import { Writer } from '../../../broker/protocol/writer.js';
import { Reader } from '../../../broker/protocol/reader.js';

describe('Writer', () => {
  it('grows past its initial capacity and keeps every byte', () => {
    const w = new Writer(16);
    for (let i = 0; i < 10_000; i++) w.int32(i);
    expect(w.length).toBe(40_000);
    const r = new Reader(w.toUint8Array());
    for (let i = 0; i < 10_000; i++) expect(r.int32()).toBe(i);
    const big = new Uint8Array(100_000).fill(7);
    const w2 = new Writer(16).int8(1).raw(big);
    expect(w2.length).toBe(100_001);
    expect(w2.toUint8Array()[100_000]).toBe(7);
  });

  it('patches an int32 already written (size prefix) and refuses positions outside', () => {
    const w = new Writer().int32(0).string('abc');
    w.setInt32At(0, w.length - 4);
    expect([...w.toUint8Array()]).toEqual([0, 0, 0, 5, 0, 3, 0x61, 0x62, 0x63]);
    expect(() => w.setInt32At(6, 1)).toThrow(RangeError);
    expect(() => w.setInt32At(-1, 1)).toThrow(RangeError);
  });

  it('refuses values that do not fit their encoding', () => {
    expect(() => new Writer().uvarint(-1)).toThrow(RangeError);
    expect(() => new Writer().uvarint(2 ** 32)).toThrow(RangeError);
    expect(() => new Writer().varint(2 ** 31)).toThrow(RangeError);
    expect(() => new Writer().uvarlong(-1n)).toThrow(RangeError);
    expect(() => new Writer().string('x'.repeat(0x8000))).toThrow(/int16/);
  });

  it('encodes the extremes of varlong and compact/nullable forms', () => {
    const w = new Writer()
      .varlong(-(2n ** 63n))
      .varlong(2n ** 63n - 1n)
      .compactNullableString(null)
      .compactString('')
      .nullableArray(null, (w2, v: number) => w2.int8(v))
      .compactNullableArray(null, (w2, v: number) => w2.int8(v))
      .compactArray([1, 2], (w2, v) => w2.int8(v));
    const r = new Reader(w.toUint8Array());
    expect(r.varlong()).toBe(-(2n ** 63n));
    expect(r.varlong()).toBe(2n ** 63n - 1n);
    expect(r.compactNullableString()).toBeNull();
    expect(r.compactString()).toBe('');
    expect(r.nullableArray((x) => x.int8())).toBeNull();
    expect(r.compactNullableArray((x) => x.int8())).toBeNull();
    expect(r.compactArray((x) => x.int8())).toEqual([1, 2]);
    expect(r.remaining).toBe(0);
  });

  it('reset reuses the buffer from the start', () => {
    const w = new Writer().int32(1).int32(2);
    w.reset().int8(9);
    expect([...w.toUint8Array()]).toEqual([9]);
  });

  it('given a buffer, writes into it (any offset of its backing store) and never grows past it', () => {
    const backing = new Uint8Array(12);
    const target = backing.subarray(4, 10);
    const w = new Writer(target).uint16(0xfffe).uint32(7);
    expect(w.toUint8Array().buffer).toBe(backing.buffer);
    expect([...backing]).toEqual([0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0, 7, 0, 0]);
    expect(new Reader(target).uint16()).toBe(0xfffe);
    expect(() => w.int8(1)).toThrow(RangeError);
  });
});
