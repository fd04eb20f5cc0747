// A record as module authors see it. Input records are views into the batch the host
// copied into guest memory (no copy until the author asks for bytes or a string);
// setters switch a field to bytes the record owns.
import { decodeUtf8 } from "./utf8";

/** One record header: a UTF-8 key and a nullable value. */
export class Header {
  constructor(public key: string, public value: Uint8Array | null) {}
}

/** A byte span [ptr, ptr + len) in guest memory; len -1 means null. */
@inline function spanToBytes(ptr: usize, len: i32): Uint8Array | null {
  if (len < 0) return null;
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

@inline function spanToString(ptr: usize, len: i32): string | null {
  if (len < 0) return null;
  return decodeUtf8(ptr, <usize>len);
}

function bytesEqual(a: usize, b: usize, len: usize): bool {
  return memory.compare(a, b, len) == 0;
}

export class Record {
  /** The source record's offset; output records always carry their source offset. */
  offset: i64 = 0;
  /** Milliseconds since the epoch. */
  timestamp: i64 = 0;

  // Raw spans (advanced, zero-copy reads): len -1 = null.
  keyPtr: usize = 0;
  keyLen: i32 = -1;
  valuePtr: usize = 0;
  valueLen: i32 = -1;
  // Encoded headers exactly as in the batch (count excluded), used while unmodified.
  headersPtr: usize = 0;
  headersLen: i32 = 0;
  headerCount: i32 = 0;

  // Owners of bytes set by the author: they keep the spans above alive for the GC.
  private ownedKey: Uint8Array | null = null;
  private ownedValue: Uint8Array | null = null;
  /** Set when the author replaced the headers; the raw span is then ignored. */
  ownedHeaders: Header[] | null = null;

  /** A new record, e.g. for array_map; offset is set by the SDK to the source record's. */
  static create(key: Uint8Array | null, value: Uint8Array | null): Record {
    const r = new Record();
    r.setKey(key);
    r.setValue(value);
    return r;
  }

  static fromStrings(key: string | null, value: string | null): Record {
    const r = new Record();
    r.setKeyString(key);
    r.setValueString(value);
    return r;
  }

  // ---- key ----
  get hasKey(): bool { return this.keyLen >= 0; }
  key(): Uint8Array | null { return spanToBytes(this.keyPtr, this.keyLen); }
  keyString(): string | null { return spanToString(this.keyPtr, this.keyLen); }
  setKey(key: Uint8Array | null): void {
    this.ownedKey = key;
    if (key === null) { this.keyPtr = 0; this.keyLen = -1; }
    else { this.keyPtr = key.dataStart; this.keyLen = key.length; }
  }
  setKeyString(key: string | null): void {
    this.setKey(key === null ? null : Uint8Array.wrap(String.UTF8.encode(key)));
  }

  // ---- value ----
  get hasValue(): bool { return this.valueLen >= 0; }
  value(): Uint8Array | null { return spanToBytes(this.valuePtr, this.valueLen); }
  /** The value decoded as UTF-8 (ill-formed bytes as U+FFFD); "" for a null value. */
  valueString(): string {
    if (this.valueLen <= 0) return "";
    return decodeUtf8(this.valuePtr, <usize>this.valueLen);
  }
  setValue(value: Uint8Array | null): void {
    this.ownedValue = value;
    if (value === null) { this.valuePtr = 0; this.valueLen = -1; }
    else { this.valuePtr = value.dataStart; this.valueLen = value.length; }
  }
  setValueString(value: string | null): void {
    this.setValue(value === null ? null : Uint8Array.wrap(String.UTF8.encode(value)));
  }
  /** True when the value's bytes equal `bytes` (no allocation). */
  valueEquals(bytes: Uint8Array): bool {
    return this.valueLen == bytes.length && bytesEqual(this.valuePtr, bytes.dataStart, <usize>bytes.length);
  }

  // ---- headers ----
  headers(): Header[] {
    const owned = this.ownedHeaders;
    if (owned !== null) return owned.slice(0);
    const out = new Array<Header>(0);
    let p = this.headersPtr;
    for (let i = 0; i < this.headerCount; i++) {
      const kLen = load<i32>(p); p += 4;
      const k = decodeUtf8(p, <usize>kLen); p += <usize>kLen;
      const vLen = load<i32>(p); p += 4;
      out.push(new Header(k, spanToBytes(p, vLen)));
      if (vLen > 0) p += <usize>vLen;
    }
    return out;
  }
  /** The first header named `name`, or null (a header with a null value also gives null). */
  header(name: string): Uint8Array | null {
    const hs = this.headers();
    for (let i = 0; i < hs.length; i++) if (hs[i].key == name) return hs[i].value;
    return null;
  }
  headerString(name: string): string | null {
    const v = this.header(name);
    return v === null ? null : decodeUtf8(v.dataStart, <usize>v.length);
  }
  setHeaders(headers: Header[]): void {
    this.ownedHeaders = headers;
  }
  addHeader(key: string, value: Uint8Array | null): void {
    const hs = this.headers();
    hs.push(new Header(key, value));
    this.ownedHeaders = hs;
  }

  /** A copy with its own bytes for key and headers sharing nothing mutable, and a new value. */
  withValue(value: Uint8Array | null): Record {
    const r = this.clone();
    r.setValue(value);
    return r;
  }
  withValueString(value: string | null): Record {
    const r = this.clone();
    r.setValueString(value);
    return r;
  }
  /** A copy of this record; spans into the input batch stay valid for the whole batch. */
  clone(): Record {
    const r = new Record();
    r.offset = this.offset;
    r.timestamp = this.timestamp;
    r.keyPtr = this.keyPtr; r.keyLen = this.keyLen; r.ownedKey = this.ownedKey;
    r.valuePtr = this.valuePtr; r.valueLen = this.valueLen; r.ownedValue = this.ownedValue;
    r.headersPtr = this.headersPtr; r.headersLen = this.headersLen; r.headerCount = this.headerCount;
    const oh = this.ownedHeaders;
    r.ownedHeaders = oh === null ? null : oh.slice(0);
    return r;
  }

  /** Points this (reused) record at the encoded record at `p`; returns the end, or 0 when it overruns `end`. */
  readFrom(p: usize, end: usize): usize {
    if (p + 20 > end) return 0;
    this.offset = load<i64>(p);
    this.timestamp = load<i64>(p, 8);
    this.ownedKey = null; this.ownedValue = null; this.ownedHeaders = null;
    let len = load<i32>(p, 16); p += 20;
    this.keyPtr = p; this.keyLen = len;
    if (len > 0) p += <usize>len;
    if (len < -1 || p + 4 > end) return 0;
    len = load<i32>(p); p += 4;
    this.valuePtr = p; this.valueLen = len;
    if (len > 0) p += <usize>len;
    if (len < -1 || p + 4 > end) return 0;
    const count = load<i32>(p); p += 4;
    if (count < 0) return 0;
    this.headersPtr = p;
    this.headerCount = count;
    for (let i = 0; i < count; i++) {
      if (p + 4 > end) return 0;
      len = load<i32>(p); p += 4;
      if (len < 0) return 0;
      p += <usize>len;
      if (p + 4 > end) return 0;
      len = load<i32>(p); p += 4;
      if (len < -1) return 0;
      if (len > 0) p += <usize>len;
    }
    if (p > end) return 0;
    this.headersLen = <i32>(p - this.headersPtr);
    return p;
  }
}
