import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError } from '../../../broker/server/frame-decoder.js';
import { Writer } from '../../../broker/protocol/writer.js';

function framesToBytes(frames: Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const f of frames) w.int32(f.byteLength).raw(f);
  return w.toUint8Array().slice();
}

describe('FrameDecoder', () => {
  it('returns the same frames however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 10, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (frames, cuts) => {
          const bytes = framesToBytes(frames);
          const d = new FrameDecoder(10, 1000);
          const out: Uint8Array[] = [];
          let pos = 0;
          let i = 0;
          while (pos < bytes.byteLength) {
            const n = cuts[i++ % cuts.length]!;
            d.push(bytes.subarray(pos, pos + n));
            pos += n;
            for (let f = d.next(); f !== null; f = d.next()) out.push(f.slice());
          }
          expect(out).toEqual(frames);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('refuses a size outside the bounds as soon as the prefix arrives, holding nothing more', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 31), max: 9 }), fc.integer({ min: 1001, max: 2 ** 31 - 1 })), (size) => {
        const d = new FrameDecoder(10, 1000);
        const w = new Writer();
        w.int32(size);
        d.push(w.toUint8Array().slice());
        expect(() => d.next()).toThrow(FrameError);
      }),
    );
  });

  it('never throws anything but FrameError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const d = new FrameDecoder(10, 1000);
        d.push(bytes);
        try {
          while (d.next() !== null);
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
        expect(d.bufferedBytes).toBeLessThanOrEqual(bytes.byteLength);
      }),
    );
  });
});
