import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeParams, encodeParams, parseParamArgs, ParamsError } from '../../../runtime/abi/params.js';

describe('ABI v1 params', () => {
  it('encodes key=value pairs as documented', () => {
    expect(Buffer.from(encodeParams({ field: 'level', v: '' })).toString('hex')).toBe(
      '02000000' + '05000000' + Buffer.from('field').toString('hex') + '05000000' + Buffer.from('level').toString('hex') +
        '01000000' + '76' + '00000000',
    );
    expect(Buffer.from(encodeParams({})).toString('hex')).toBe('00000000');
  });

  it('decode(encode(params)) is the identity', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 })), (params) => {
        expect({ ...decodeParams(encodeParams(params)) }).toEqual({ ...params });
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes decode or fail with ParamsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (raw) => {
        try {
          decodeParams(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(ParamsError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses CLI k=v arguments, splitting at the first =', () => {
    expect(parseParamArgs(['field=level', 'expr=a=b', 'empty='])).toEqual({ field: 'level', expr: 'a=b', empty: '' });
    expect(() => parseParamArgs(['novalue'])).toThrow('param "novalue" is not key=value');
    expect(() => parseParamArgs(['=x'])).toThrow(ParamsError);
  });

  it('refuses params over the size bound', () => {
    expect(() => encodeParams({ big: 'x'.repeat(70_000) })).toThrow(/more than 65536/);
  });
});
