// json-filter as a component of the sluice:smartmodule/filter@1.0.0 world (sdk/wit), in
// JavaScript: componentize-js turns this file into a component. It reads JSON exactly as the
// SDKs' scanners do (sdk/rust/src/json, sdk/assemblyscript/assembly/json.ts), malformed input
// included, so it keeps the same records as json-filter: no JSON.parse.
//
// The world: init(params) once, then filter(records) once per batch; a record is
// { offset, timestamp, key, value, headers } with key and value Uint8Array or undefined.
// Throwing { code, message } fails the call with that error (code: 'guest', 'bad-params', …).

const utf8 = new TextEncoder();
const lossy = new TextDecoder();

let fieldName = utf8.encode('level');
let expectedText = 'error';
let expectedBytes = utf8.encode('error');

export function init(params) {
  for (const [key, value] of params) {
    if (key === 'field') fieldName = utf8.encode(value);
    else if (key === 'value') {
      expectedText = value;
      expectedBytes = utf8.encode(value);
    }
  }
}

export function filter(records) {
  const kept = [];
  for (const record of records) {
    const found = record.value === undefined ? null : findField(record.value, fieldName);
    if (found !== null && equalsText(record.value, found[0], found[1])) kept.push(record);
  }
  return kept;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isWs = (c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWs(b, p) {
  while (p < b.length && isWs(b[p])) p++;
  return p;
}

// p at an opening quote: the position after the closing quote, or -1.
function skipString(b, p) {
  p++;
  while (p < b.length) {
    const c = b[p];
    if (c === QUOTE) return p + 1;
    p += c === BACKSLASH ? 2 : 1;
  }
  return -1;
}

// The position after the value at p, or -1: containers by counting brackets of either kind
// outside strings, scalars up to the next , } ] or white space.
function skipValue(b, p) {
  if (p >= b.length) return -1;
  const c = b[p];
  if (c === QUOTE) return skipString(b, p);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (p < b.length) {
      const d = b[p];
      if (d === QUOTE) {
        p = skipString(b, p);
        if (p < 0) return -1;
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return p + 1;
      }
      p++;
    }
    return -1;
  }
  const start = p;
  while (p < b.length) {
    const d = b[p];
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    p++;
  }
  return p > start ? p : -1;
}

function sameBytes(b, start, end, want) {
  if (end - start !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[start + i] !== want[i]) return false;
  return true;
}

// The [start, end) of the top-level field `key` of the object in b, or null.
function findField(b, key) {
  let p = skipWs(b, 0);
  if (p >= b.length || b[p] !== 0x7b) return null;
  p = skipWs(b, p + 1);
  while (p < b.length && b[p] === QUOTE) {
    const ke = skipString(b, p);
    if (ke < 0) return null;
    const matched = sameBytes(b, p + 1, ke - 1, key);
    p = skipWs(b, ke);
    if (p >= b.length || b[p] !== 0x3a) return null;
    p = skipWs(b, p + 1);
    const ve = skipValue(b, p);
    if (ve < 0) return null;
    if (matched) return [p, ve];
    p = skipWs(b, ve);
    if (p >= b.length || b[p] !== 0x2c) return null;
    p = skipWs(b, p + 1);
  }
  return null;
}

// A string's decoded contents equal the expected text, or another value's raw JSON does.
function equalsText(b, start, end) {
  if (b[start] !== QUOTE) return sameBytes(b, start, end, expectedBytes);
  const inner = b.subarray(start + 1, end - 1);
  if (!inner.includes(BACKSLASH)) return sameBytes(inner, 0, inner.length, expectedBytes);
  return unescape(inner) === expectedText;
}

function hex4(s, p) {
  let u = 0;
  for (let i = p; i < p + 4; i++) {
    const c = s[i];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    u = u * 16 + d;
  }
  return u;
}

// JSON escapes decoded as the SDKs do: a bad \u escape is dropped, any other escaped byte is
// taken as the character of that code (Latin-1), a lone surrogate is U+FFFD, bytes that are not
// UTF-8 are U+FFFD.
function unescape(s) {
  const end = s.length;
  let out = '';
  let run = 0;
  let p = 0;
  while (p < end) {
    if (s[p] !== BACKSLASH) {
      p++;
      continue;
    }
    out += lossy.decode(s.subarray(run, p));
    if (p + 1 >= end) {
      run = p;
      break;
    }
    const e = s[p + 1];
    p += 2;
    if (e === 0x6e) out += '\n';
    else if (e === 0x74) out += '\t';
    else if (e === 0x72) out += '\r';
    else if (e === 0x62) out += '\b';
    else if (e === 0x66) out += '\f';
    else if (e === 0x75 && p + 4 <= end) {
      const u = hex4(s, p);
      if (u >= 0) {
        p += 4;
        if (u >= 0xd800 && u < 0xdc00) {
          const lo = p + 6 <= end && s[p] === BACKSLASH && s[p + 1] === 0x75 ? hex4(s, p + 2) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) {
            p += 6;
            out += String.fromCodePoint(0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
          } else {
            out += '\ufffd';
          }
        } else if (u >= 0xdc00 && u < 0xe000) {
          out += '\ufffd';
        } else {
          out += String.fromCharCode(u);
        }
      }
    } else {
      out += String.fromCharCode(e);
    }
    run = p;
  }
  if (run < end) out += lossy.decode(s.subarray(run, end));
  return out;
}
