import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SplicingWriter } from '../../../broker/protocol/splicing-writer.js';
import { Writer } from '../../../broker/protocol/writer.js';

type Op =
  | { kind: 'int8'; v: number }
  | { kind: 'int32'; v: number }
  | { kind: 'int64'; v: bigint }
  | { kind: 'varint'; v: number }
  | { kind: 'string'; v: string }
  | { kind: 'raw'; v: Uint8Array };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: -128, max: 127 }).map((v) => ({ kind: 'int8' as const, v })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ kind: 'int32' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ kind: 'int64' as const, v })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ kind: 'varint' as const, v })),
  fc.string({ maxLength: 40 }).map((v) => ({ kind: 'string' as const, v })),
  fc.uint8Array({ maxLength: 100 }).map((v) => ({ kind: 'raw' as const, v })),
);

function apply(w: Writer, o: Op): void {
  if (o.kind === 'int8') w.int8(o.v);
  else if (o.kind === 'int32') w.int32(o.v);
  else if (o.kind === 'int64') w.int64(o.v);
  else if (o.kind === 'varint') w.varint(o.v);
  else if (o.kind === 'string') w.string(o.v);
  else w.raw(o.v);
}

function joined(pieces: readonly Uint8Array[]): number[] {
  return pieces.flatMap((p) => [...p]);
}

describe('SplicingWriter', () => {
  it('writes the same bytes as a plain Writer, size prefix included, whatever the pieces', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 16, max: 96 }), (ops, spliceMin, pieceMax) => {
        const plain = new Writer(16).int32(0);
        const spliced = new SplicingWriter(spliceMin, pieceMax, 16).int32(0);
        for (const o of ops) {
          apply(plain, o);
          apply(spliced, o);
        }
        plain.setInt32At(0, plain.length - 4);
        spliced.setInt32At(0, spliced.length - 4);
        expect(spliced.length).toBe(plain.length);
        expect(joined(spliced.pieces())).toEqual([...plain.toUint8Array()]);
        expect([...spliced.toUint8Array()]).toEqual([...plain.toUint8Array()]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps runs of at least the splice bound by reference and its own pieces within the piece bound', () => {
    const run = new Uint8Array(1000).fill(9);
    const w = new SplicingWriter(512, 64, 16).int32(0);
    for (let i = 0; i < 100; i++) w.int32(i);
    w.raw(run).int16(7).raw(new Uint8Array(40).fill(3));
    const pieces = w.pieces();
    expect(pieces.filter((p) => p === run)).toHaveLength(1);
    for (const p of pieces) if (p !== run) expect(p.byteLength).toBeLessThanOrEqual(64);
    expect(pieces.reduce((n, p) => n + p.byteLength, 0)).toBe(4 + 400 + 1000 + 2 + 40);
  });

  it('patches an int32 that spans sealed pieces, and refuses one inside a spliced run or past the end', () => {
    const run = new Uint8Array(32);
    const w = new SplicingWriter(32, 16, 16);
    for (let i = 0; i < 10; i++) w.int8(i);
    w.int32(0); // bytes 10..13: across the 16-byte piece boundary once more is written
    for (let i = 0; i < 10; i++) w.int8(i);
    w.raw(run).int32(0);
    w.setInt32At(10, 0x01020304);
    expect(joined(w.pieces()).slice(10, 14)).toEqual([1, 2, 3, 4]);
    expect(() => w.setInt32At(30, 1)).toThrow(RangeError); // inside the spliced run
    expect([...run]).toEqual(new Array(32).fill(0));
    expect(() => w.setInt32At(w.length - 3, 1)).toThrow(RangeError);
    w.setInt32At(w.length - 4, -1);
    expect(joined(w.pieces()).slice(-4)).toEqual([255, 255, 255, 255]);
  });

  it('starts over empty after reset', () => {
    const w = new SplicingWriter(8, 16).raw(new Uint8Array(20)).int32(5);
    w.reset().int16(1);
    expect(joined(w.pieces())).toEqual([0, 1]);
    expect(w.length).toBe(2);
  });
});
