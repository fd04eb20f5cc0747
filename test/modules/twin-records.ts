/**
 * fast-check arbitraries for the AssemblyScript / Rust twin tests: batches of records whose
 * values are mostly JSON built to reach the example modules' fields (escapes, unpaired
 * surrogates, non-ASCII text, numbers in every notation, malformed and cut-off documents), the
 * rest arbitrary bytes; null and empty keys and values; headers, some with null values.
 */
import fc from 'fast-check';
import type { HostRecord } from '../../runtime/abi/batch.js';

const enc = new TextEncoder();

/** Field names the example modules are given as params, and a few others. */
export const FIELD_NAMES = ['level', 'user', 'amount', 'value', 'items', 'code', 'n', 's', 'ünï', 'b\\u0041'] as const;

const textPiece = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('é', 'ß', 'ǰ', 'ﬀ', 'ΐ', 'İ', 'ſ', 'ᾳ', 'ꞵ', '𐐨', '😀', 'Ⓐ', 'ⓩ', 'ǅ', 'ŉ', '\u00a0', '\u2028', 'error', 'warn'),
);

/** The inside of a JSON string: plain text, standard escapes and the odd ones both SDKs must read alike. */
const stringContents = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: textPiece.map((s) => JSON.stringify(s).slice(1, -1)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '\\u00e9', '\\u00C9', '\\ud83d\\ude00', '\\ud800', '\\udc00', '\\ud800x', '\\ud83d\\u0041', '\\/', '\\"',
          '\\\\', '\\n', '\\b', '\\f', '\\x', '\\é', '\\u12', '\\uZZZZ', '\\u0000',
        ),
      },
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''));

const jsonString = stringContents.map((s) => `"${s}"`);

/** Numbers as documents write them, and tokens that only look like numbers. */
const jsonNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => String(d)),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d.toExponential()),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 99999 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom(
    '1e21', '1.5e-7', '-0', '0.1', '1E5', '12abc', 'Infinity', '-Infinity', '.5', '-.5e-3', '00012', '1e400', '1e-400',
    '123456789012345678901234567890', '12345678901234567890e30', '0.000001', '9007199254740993', '2e-324', '+7', '1e', '--1',
  ),
);

const jsonScalar = fc.oneof(jsonString, jsonNumber, fc.constantFrom('true', 'false', 'null'));

const ws = fc.constantFrom('', '', '', ' ', '\n', ' \t ');

const jsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonScalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom<string>(...FIELD_NAMES), stringContents), ws, tie('value')), { maxLength: 4 })
    .map((members) => `{${members.map(([k, w, v]) => `"${k}"${w}:${w}${v}`).join(',')}}`),
})).value;

/** Per field, values the test params look for (so that filters keep records), in several spellings. */
const HITS: Record<string, string[]> = {
  level: ['"error"', '"error"', '"err\\u006fr"', '"errors"', '"warn"', '"ünïcode"', '"a\\"b"'],
  s: ['"é"', '"\\u00e9"', '"\\u00E9"', '"ß"', '"\\ud83d\\ude00"', '"ⓩ\\n"'],
  code: ['503', '"503"', '5030', ' 503'],
  amount: ['10', '12.5', '9.99', '-3', '1e1', '1', '1.0', '"20"', '0.1', '0.2', '1e300', '-0'],
  items: ['[1,"two",{"three":3},[4]]', '[]', '[ true , null ]', '["a","b"]', '[[1],[2'],
  n: ['5', '7', '0.25', '-1', '3.5e-1'],
  user: ['{"id":7}', 'null', '"ann"', '[1]'],
  value: ['{"name":"x"}', '"y"', '42'],
  'ünï': ['"ß"', '"x"'],
  'b\\u0041': ['1', '"A"'],
};

const fieldValue = (name: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HITS[name]!) }, { weight: 1, arbitrary: jsonScalar }, { weight: 1, arbitrary: jsonValue });

/** A JSON object with some of the example modules' fields, whitespace here and there. */
const document = fc
  .shuffledSubarray([...FIELD_NAMES], { minLength: 2, maxLength: 6 })
  .chain((names) => fc.tuple(...names.map((k) => fc.tuple(fc.constant(k), ws, fieldValue(k)))))
  .chain((members) =>
    ws.map((w) => `${w}{${w}${members.map(([k, s, v]) => `"${k}"${s}:${s}${v}`).join(`,${w}`)}${w}}${w}`),
  );

/** A cut-off document: malformed JSON that the scanners must read the same way. */
const truncated = fc.tuple(document, fc.nat()).map(([d, n]) => d.slice(0, d.length === 0 ? 0 : n % d.length));

export const valueBytes: fc.Arbitrary<Uint8Array | null> = fc.oneof(
  { weight: 6, arbitrary: document.map((s) => enc.encode(s)) },
  { weight: 2, arbitrary: fc.oneof(jsonValue, truncated).map((s) => enc.encode(s)) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  // JSON around bytes that are not UTF-8, inside strings and keys.
  { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ maxLength: 6 }), fc.constantFrom('level', 'user', 's', 'x')).map(([b, k]) => concat('{"' + k + '":"', b, '","' + k + 'x":1}')) },
);

function concat(head: string, middle: Uint8Array, tail: string): Uint8Array {
  const h = enc.encode(head);
  const t = enc.encode(tail);
  const out = new Uint8Array(h.length + middle.length + t.length);
  out.set(h, 0);
  out.set(middle, h.length);
  out.set(t, h.length + middle.length);
  return out;
}

const keyBytes: fc.Arbitrary<Uint8Array | null> = fc.oneof(
  fc.constant(null),
  fc.constant(new Uint8Array(0)),
  fc.constantFrom('a', 'b', 'ü', '😀').map((s) => enc.encode(s)),
  fc.uint8Array({ maxLength: 6 }),
);

const headers = fc.array(
  fc.record({ key: fc.string({ maxLength: 6 }), value: fc.option(fc.uint8Array({ maxLength: 6 }), { nil: null }) }),
  { maxLength: 3 },
);

/** One batch of up to `maxRecords` records at increasing offsets from `firstOffset`. */
export function batchOf(firstOffset: bigint, maxRecords = 24): fc.Arbitrary<HostRecord[]> {
  return fc
    .array(fc.record({ key: keyBytes, value: valueBytes, headers, timestampMs: fc.bigInt({ min: -1n, max: 1n << 50n }) }), { maxLength: maxRecords })
    .map((rs) => rs.map((r, i) => ({ ...r, offset: firstOffset + BigInt(i) })));
}
