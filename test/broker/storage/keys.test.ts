import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, InvalidKeyError, validateKey } from '../../../broker/storage/keys.js';

// Keys are well-formed strings: lone surrogates have no UTF-8 form (Buffer.from turns them into U+FFFD).
const wellFormed = fc.string({ unit: 'binary' }).map((s) => Buffer.from(s).toString());

describe('keys', () => {
  it('compareKeys orders like the UTF-8 bytes (S3 list order)', () => {
    fc.assert(
      fc.property(wellFormed, wellFormed, (a, b) => {
        const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(Math.sign(compareKeys(a, b))).toBe(expected);
      }),
      { numRuns: 1000 },
    );
    expect(compareKeys('a-c', 'a/a')).toBeLessThan(0);
    expect(compareKeys('\uffff', '\u{10000}')).toBeLessThan(0);
  });

  it('validateKey accepts ordinary keys and refuses the rest', () => {
    for (const ok of ['a', 'topics/orders/0/00000000000000000042.seg', 'manifest/0000000001', 'a.b-c_d=e']) validateKey(ok);
    for (const bad of ['', '/', 'a/', '/a', 'a//b', '.', '..', 'a/../b', 'x/.sluice-tmp-1', 'a\0b', 'k'.repeat(1025)]) {
      expect(() => validateKey(bad), JSON.stringify(bad)).toThrow(InvalidKeyError);
    }
  });
});
