// Small JSON helpers for modules: a top-level field lookup that scans the bytes without
// parsing the whole document or allocating, array element iteration, and a minimal writer.
import { Record } from "./record";
import { writeShortest, NUMBER_TEXT_MAX_BYTES } from "./number";
import { decodeUtf8 } from "./utf8";

export const JSON_NONE: i32 = 0;
export const JSON_STRING: i32 = 1;
export const JSON_NUMBER: i32 = 2;
export const JSON_OBJECT: i32 = 3;
export const JSON_ARRAY: i32 = 4;
export const JSON_TRUE: i32 = 5;
export const JSON_FALSE: i32 = 6;
export const JSON_NULL: i32 = 7;

@inline function isWs(c: u32): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

function skipWs(p: usize, end: usize): usize {
  while (p < end && isWs(<u32>load<u8>(p))) p++;
  return p;
}

/** `p` at an opening quote; returns the position after the closing quote, or 0. */
function skipString(p: usize, end: usize): usize {
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x22) return p + 1;
    p += c == 0x5c ? 2 : 1;
  }
  return 0;
}

/** Returns the position after the value starting at `p`, or 0 when malformed. */
function skipValue(p: usize, end: usize): usize {
  if (p >= end) return 0;
  const c = load<u8>(p);
  if (c == 0x22) return skipString(p, end);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (p < end) {
      const d = load<u8>(p);
      if (d == 0x22) { p = skipString(p, end); if (p == 0) return 0; continue; }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) { depth--; if (depth == 0) return p + 1; }
      p++;
    }
    return 0;
  }
  const start = p;
  while (p < end) {
    const d = <u32>load<u8>(p);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isWs(d)) break;
    p++;
  }
  return p > start ? p : 0;
}

/** The position of the first member inside the container opened by `open` at the start of [p, end), or 0 when there is none. */
function enterContainer(p: usize, end: usize, open: u8): usize {
  p = skipWs(p, end);
  return p < end && load<u8>(p) == open ? skipWs(p + 1, end) : 0;
}

/** `p` just after a member of a container: the position of the next member (past a comma), or of the closing bracket. */
function nextMember(p: usize, end: usize): usize {
  p = skipWs(p, end);
  if (p < end && load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
  return p;
}

function typeAt(p: usize): i32 {
  const c = load<u8>(p);
  if (c == 0x22) return JSON_STRING;
  if (c == 0x7b) return JSON_OBJECT;
  if (c == 0x5b) return JSON_ARRAY;
  if (c == 0x74) return JSON_TRUE;
  if (c == 0x66) return JSON_FALSE;
  if (c == 0x6e) return JSON_NULL;
  return JSON_NUMBER;
}

function hexVal(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

function hex4(p: usize): i32 {
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    const h = hexVal(<u32>load<u8>(p + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

/**
 * Decodes the JSON string whose contents (between the quotes) are [start, end). A \uXXXX pair of
 * surrogates makes one character and an unpaired surrogate becomes U+FFFD, so the text is
 * always well-formed; a \u without four hex digits is dropped (the digits stay as text).
 */
export function jsonUnescape(start: usize, end: usize): string {
  let p = start;
  let plain = true;
  while (p < end) { if (load<u8>(p) == 0x5c) { plain = false; break; } p++; }
  if (plain) return decodeUtf8(start, end - start);
  let out = "";
  let run = start;
  p = start;
  while (p < end) {
    if (load<u8>(p) != 0x5c) { p++; continue; }
    out += decodeUtf8(run, p - run);
    if (p + 1 >= end) { run = p; break; } // a trailing backslash stays as text
    const e = load<u8>(p + 1);
    p += 2;
    if (e == 0x6e) out += "\n";
    else if (e == 0x74) out += "\t";
    else if (e == 0x72) out += "\r";
    else if (e == 0x62) out += "\b";
    else if (e == 0x66) out += "\f";
    else if (e == 0x75 && p + 4 <= end) {
      const u = hex4(p);
      if (u >= 0) {
        p += 4;
        if (u >= 0xd800 && u < 0xdc00) {
          const lo = p + 6 <= end && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75 ? hex4(p + 2) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) { out += String.fromCharCode(u, lo); p += 6; }
          else out += "\uFFFD";
        } else if (u >= 0xdc00 && u < 0xe000) out += "\uFFFD";
        else out += String.fromCharCode(u);
      }
    } else out += String.fromCharCode(e);
    run = p;
  }
  if (run < end) out += decodeUtf8(run, end - run);
  return out;
}

/** Parses the JSON number text [start, end) like parseFloat; NaN when it is not one. */
export function jsonNumber(start: usize, end: usize): f64 {
  if (end <= start) return NaN;
  return parseFloat(decodeUtf8(start, end - start));
}

/**
 * A top-level field of a JSON object, looked up by scanning the bytes. Make one per field
 * name in init() and reuse it: find() allocates nothing. Field names are compared as raw
 * UTF-8 (a key written with escapes in the document does not match).
 */
export class JsonField {
  readonly name: string;
  private key: Uint8Array;
  /** The raw value span [start, end) after a successful find(). */
  start: usize = 0;
  end: usize = 0;
  type: i32 = JSON_NONE;

  constructor(name: string) {
    this.name = name;
    this.key = Uint8Array.wrap(String.UTF8.encode(name));
  }

  /** Looks the field up in a record's value. */
  find(r: Record): bool { return this.findIn(r.valuePtr, r.valueLen); }

  /** Looks the field up in the JSON object at [ptr, ptr + len); false when absent or not an object. */
  findIn(ptr: usize, len: i32): bool {
    this.type = JSON_NONE;
    if (len <= 0) return false;
    const end = ptr + <usize>len;
    let p = enterContainer(ptr, end, 0x7b);
    if (p == 0) return false;
    const kp = this.key.dataStart;
    const kl = <usize>this.key.length;
    while (p < end && load<u8>(p) == 0x22) {
      const ks = p + 1;
      const ke = skipString(p, end);
      if (ke == 0) return false;
      const matched = ke - 1 - ks == kl && memory.compare(ks, kp, kl) == 0;
      p = skipWs(ke, end);
      if (p >= end || load<u8>(p) != 0x3a) return false;
      p = skipWs(p + 1, end);
      const ve = skipValue(p, end);
      if (ve == 0) return false;
      if (matched) {
        this.start = p; this.end = ve; this.type = typeAt(p);
        return true;
      }
      p = skipWs(ve, end);
      if (p >= end || load<u8>(p) != 0x2c) return false;
      p = skipWs(p + 1, end);
    }
    return false;
  }

  get isString(): bool { return this.type == JSON_STRING; }
  get isNumber(): bool { return this.type == JSON_NUMBER; }

  /** The raw JSON text of the value found. */
  raw(): string { return decodeUtf8(this.start, this.end - this.start); }
  rawBytes(): Uint8Array {
    const n = <i32>(this.end - this.start);
    const out = new Uint8Array(n);
    memory.copy(out.dataStart, this.start, <usize>n);
    return out;
  }
  /** The decoded string when the value is a JSON string, else null. */
  stringValue(): string | null {
    if (this.type != JSON_STRING) return null;
    return jsonUnescape(this.start + 1, this.end - 1);
  }
  /** The value as a number when it is a JSON number, else NaN. */
  numberValue(): f64 {
    if (this.type != JSON_NUMBER) return NaN;
    return jsonNumber(this.start, this.end);
  }
  /**
   * True when a string value's contents equal `text` (UTF-8 bytes, compared without
   * allocating unless the value has escapes), or a non-string value's raw text equals it.
   */
  equalsText(text: Uint8Array): bool {
    let s = this.start, e = this.end;
    if (this.type == JSON_STRING) { s++; e--; }
    const n = e - s;
    if (this.type == JSON_STRING) {
      // An escaped string may equal `text` once decoded: take the slow path only then.
      let escaped = false;
      for (let p = s; p < e; p++) if (load<u8>(p) == 0x5c) { escaped = true; break; }
      if (escaped) return jsonUnescape(s, e) == decodeUtf8(text.dataStart, <usize>text.length);
    }
    return n == <usize>text.length && memory.compare(s, text.dataStart, n) == 0;
  }
}

/** Where an iterator over the members of the JSON container [ptr, ptr + len) stands: the span of the current value, and the next member. */
class JsonMemberCursor {
  /** The current value's raw span. */
  start: usize = 0;
  end: usize = 0;
  type: i32 = JSON_NONE;
  protected p: usize;
  protected limit: usize;
  protected ok: bool;

  constructor(ptr: usize, len: i32, open: u8) {
    this.limit = len > 0 ? ptr + <usize>len : ptr;
    this.p = enterContainer(ptr, this.limit, open);
    this.ok = this.p != 0;
  }
}

/** Iterates the elements of the JSON array [ptr, ptr + len): `while (it.next()) use(it.start, it.end)`. */
export class JsonArrayIterator extends JsonMemberCursor {
  constructor(ptr: usize, len: i32) {
    super(ptr, len, 0x5b);
  }

  /** True when the bytes given were a JSON array. */
  get isArray(): bool { return this.ok; }

  next(): bool {
    if (!this.ok) return false;
    let p = this.p;
    if (p >= this.limit || load<u8>(p) == 0x5d) return false;
    const e = skipValue(p, this.limit);
    if (e == 0) { this.ok = false; return false; }
    this.start = p; this.end = e; this.type = typeAt(p);
    this.p = nextMember(e, this.limit);
    return true;
  }

  rawBytes(): Uint8Array {
    const n = <i32>(this.end - this.start);
    const out = new Uint8Array(n);
    memory.copy(out.dataStart, this.start, <usize>n);
    return out;
  }
}

/** A minimal JSON writer into a growable byte buffer; commas are placed for you. */
export class JsonWriter {
  private buf: Uint8Array = new Uint8Array(128);
  private len: i32 = 0;
  private needComma: bool = false;
  private afterKey: bool = false;
  private stack: Array<bool> = new Array<bool>(0);

  private ensure(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < this.len + n) cap <<= 1;
    const next = new Uint8Array(cap);
    memory.copy(next.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = next;
  }
  private byte(c: u8): void {
    this.ensure(1);
    store<u8>(this.buf.dataStart + <usize>this.len, c);
    this.len++;
  }
  private bytes(ptr: usize, n: i32): void {
    this.ensure(n);
    memory.copy(this.buf.dataStart + <usize>this.len, ptr, <usize>n);
    this.len += n;
  }
  private ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(<u8>s.charCodeAt(i));
  }
  private prefix(): void {
    if (this.afterKey) this.afterKey = false;
    else if (this.needComma) this.byte(0x2c);
    this.needComma = true;
  }
  private quoted(s: string): void {
    const utf8 = String.UTF8.encode(s);
    const p = changetype<usize>(utf8);
    const n = utf8.byteLength;
    this.byte(0x22);
    let run = 0;
    for (let i = 0; i < n; i++) {
      const c = load<u8>(p + <usize>i);
      if (c != 0x22 && c != 0x5c && c >= 0x20) continue;
      this.bytes(p + <usize>run, i - run);
      run = i + 1;
      this.byte(0x5c);
      if (c == 0x22 || c == 0x5c) this.byte(c);
      else if (c == 0x0a) this.byte(0x6e);
      else if (c == 0x0d) this.byte(0x72);
      else if (c == 0x09) this.byte(0x74);
      else {
        this.ascii("u00");
        this.byte(<u8>((c >> 4) < 10 ? 0x30 + (c >> 4) : 0x57 + (c >> 4)));
        this.byte(<u8>((c & 15) < 10 ? 0x30 + (c & 15) : 0x57 + (c & 15)));
      }
    }
    this.bytes(p + <usize>run, n - run);
    this.byte(0x22);
  }

  beginObject(): JsonWriter { this.prefix(); this.byte(0x7b); this.stack.push(true); this.needComma = false; return this; }
  endObject(): JsonWriter { this.byte(0x7d); this.needComma = this.stack.pop(); return this; }
  beginArray(): JsonWriter { this.prefix(); this.byte(0x5b); this.stack.push(true); this.needComma = false; return this; }
  endArray(): JsonWriter { this.byte(0x5d); this.needComma = this.stack.pop(); return this; }
  key(name: string): JsonWriter {
    if (this.needComma) this.byte(0x2c);
    this.quoted(name);
    this.byte(0x3a);
    this.afterKey = true;
    this.needComma = true;
    return this;
  }
  string(s: string): JsonWriter { this.prefix(); this.quoted(s); return this; }
  /** Integers within 2^53 are written without a fraction; NaN and infinities as null. */
  number(v: f64): JsonWriter {
    this.prefix();
    if (!isFinite(v)) this.ascii("null");
    else if (Math.floor(v) == v && Math.abs(v) < 9007199254740992.0) this.ascii((<i64>v).toString());
    else {
      this.ensure(NUMBER_TEXT_MAX_BYTES);
      this.len += writeShortest(v, this.buf.dataStart + <usize>this.len);
    }
    return this;
  }
  integer(v: i64): JsonWriter { this.prefix(); this.ascii(v.toString()); return this; }
  bool(v: bool): JsonWriter { this.prefix(); this.ascii(v ? "true" : "false"); return this; }
  nullValue(): JsonWriter { this.prefix(); this.ascii("null"); return this; }
  /** Writes already-encoded JSON text [ptr, ptr + len) as one value. */
  raw(ptr: usize, len: i32): JsonWriter { this.prefix(); this.bytes(ptr, len); return this; }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    memory.copy(out.dataStart, this.buf.dataStart, <usize>this.len);
    return out;
  }
  toString(): string { return String.UTF8.decodeUnsafe(this.buf.dataStart, <usize>this.len); }
  reset(): void { this.len = 0; this.needComma = false; this.afterKey = false; this.stack.length = 0; }
}

/**
 * Iterates the top-level fields of the JSON object [ptr, ptr + len):
 * `while (it.next()) use(it.keyString(), it.start, it.end)`. isObject is false for anything else.
 */
export class JsonObjectIterator extends JsonMemberCursor {
  /** The key's raw bytes between its quotes. */
  keyStart: usize = 0;
  keyEnd: usize = 0;

  constructor(ptr: usize, len: i32) {
    super(ptr, len, 0x7b);
  }

  get isObject(): bool { return this.ok; }

  next(): bool {
    if (!this.ok) return false;
    let p = this.p;
    const end = this.limit;
    if (p >= end || load<u8>(p) != 0x22) return false;
    const ke = skipString(p, end);
    if (ke == 0) { this.ok = false; return false; }
    this.keyStart = p + 1; this.keyEnd = ke - 1;
    p = skipWs(ke, end);
    if (p >= end || load<u8>(p) != 0x3a) { this.ok = false; return false; }
    p = skipWs(p + 1, end);
    const ve = skipValue(p, end);
    if (ve == 0) { this.ok = false; return false; }
    this.start = p; this.end = ve; this.type = typeAt(p);
    this.p = nextMember(ve, end);
    return true;
  }

  keyString(): string { return jsonUnescape(this.keyStart, this.keyEnd); }
  /** True when the raw key equals `name` (no allocation unless the key has escapes). */
  keyEquals(name: Uint8Array): bool {
    const n = this.keyEnd - this.keyStart;
    return n == <usize>name.length && memory.compare(this.keyStart, name.dataStart, n) == 0;
  }
}
