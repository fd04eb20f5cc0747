import { ProtocolError } from './errors.js';

const textDecoder = new TextDecoder('utf-8');

/**
 * A bounds-checked cursor over one frame. Every read past the end throws ProtocolError, and
 * every length or count read from the wire is checked against the bytes that remain before
 * anything is allocated, so a hostile frame costs at most its own size.
 * Byte fields are returned as views into the frame (no copy).
 */
export class Reader {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.byteLength) {
    if (start < 0 || end > buf.byteLength || start > end) {
      throw new ProtocolError(`reader range ${start}..${end} outside buffer of ${buf.byteLength} bytes`);
    }
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Position in `buf` of the next byte to read. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new ProtocolError(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.view.getInt8(this.pos++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 of at most 32 bits (5 bytes). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1, 'varint');
      const b = this.buf[this.pos++]!;
      if (i === 4 && b > 0x0f) throw new ProtocolError(`varint overflows 32 bits at offset ${this.pos - 1}`);
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new ProtocolError(`varint longer than 5 bytes at offset ${this.pos}`);
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Unsigned LEB128 of at most 64 bits (10 bytes). */
  uvarlong(): bigint {
    // Fast path: most varlongs (timestamp and offset deltas) fit in 28 bits.
    let lo = 0;
    let shift = 0;
    let i = 0;
    for (; i < 4; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt(lo >>> 0);
      shift += 7;
    }
    let result = BigInt(lo >>> 0);
    let bshift = 28n;
    for (; i < 10; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++]!;
      if (i === 9 && b > 0x01) throw new ProtocolError(`varlong overflows 64 bits at offset ${this.pos - 1}`);
      result |= BigInt(b & 0x7f) << bshift;
      if ((b & 0x80) === 0) return result;
      bshift += 7n;
    }
    throw new ProtocolError(`varlong longer than 10 bytes at offset ${this.pos}`);
  }

  /** Zigzag-encoded signed 64-bit varint. */
  varlong(): bigint {
    const u = this.uvarlong();
    return (u >> 1n) ^ -(u & 1n);
  }

  /** Raw bytes as a view into the frame. */
  raw(n: number): Uint8Array {
    if (n < 0) throw new ProtocolError(`negative length ${n} at offset ${this.pos}`);
    this.need(n, 'bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Moves past `n` bytes without making a view of them. */
  skip(n: number): void {
    if (n < 0) throw new ProtocolError(`negative length ${n} at offset ${this.pos}`);
    this.need(n, 'bytes');
    this.pos += n;
  }

  /**
   * Zigzag-encoded signed varint of up to 64 bits as a number, for the hot record loops that
   * would otherwise make a BigInt per record; a value past ±2^53 throws (use varlong()).
   */
  varlongNumber(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) break;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      scale *= 128;
    }
    throw new ProtocolError(`varlong at offset ${this.pos} exceeds 2^53; read it with varlong()`);
  }

  private utf8(n: number): string {
    return textDecoder.decode(this.raw(n));
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolError(`null string where a string is required at offset ${this.pos - 2}`);
    return this.utf8(n);
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid string length ${n} at offset ${this.pos - 2}`);
    return this.utf8(n);
  }

  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError(`null compact string where a string is required at offset ${this.pos}`);
    return this.utf8(n - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1);
  }

  bytes(): Uint8Array {
    const n = this.int32();
    if (n < 0) throw new ProtocolError(`null bytes where bytes are required at offset ${this.pos - 4}`);
    return this.raw(n);
  }

  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid bytes length ${n} at offset ${this.pos - 4}`);
    return this.raw(n);
  }

  compactBytes(): Uint8Array {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError(`null compact bytes where bytes are required at offset ${this.pos}`);
    return this.raw(n - 1);
  }

  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1);
  }

  /** Varint-length bytes inside a record (-1 is null). */
  varintBytes(): Uint8Array | null {
    const n = this.varint();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid record field length ${n} at offset ${this.pos}`);
    return this.raw(n);
  }

  private checkCount(n: number, at: number): void {
    // Every element takes at least one byte, so a count above what remains is a lie.
    if (n > this.end - this.pos) {
      throw new ProtocolError(`array count ${n} at offset ${at} exceeds the ${this.end - this.pos} bytes left`);
    }
  }

  private elements<T>(n: number, read: (r: Reader) => T): T[] {
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = read(this);
    return out;
  }

  /** Classic array: int32 count, then elements; a null (-1) array is read as empty. */
  array<T>(read: (r: Reader) => T): T[] {
    return this.nullableArray(read) ?? [];
  }

  nullableArray<T>(read: (r: Reader) => T): T[] | null {
    const at = this.pos;
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid array count ${n} at offset ${at}`);
    this.checkCount(n, at);
    return this.elements(n, read);
  }

  /** Compact array: unsigned varint count+1, then elements; a null (0) array is read as empty. */
  compactArray<T>(read: (r: Reader) => T): T[] {
    return this.compactNullableArray(read) ?? [];
  }

  compactNullableArray<T>(read: (r: Reader) => T): T[] | null {
    const at = this.pos;
    const n = this.uvarint();
    if (n === 0) return null;
    this.checkCount(n - 1, at);
    return this.elements(n - 1, read);
  }

  /** Varint-counted array inside a record (headers). */
  varintArray<T>(read: (r: Reader) => T): T[] {
    const at = this.pos;
    const n = this.varint();
    if (n < 0) throw new ProtocolError(`invalid record array count ${n} at offset ${at}`);
    this.checkCount(n, at);
    return this.elements(n, read);
  }

  /**
   * Tagged fields of a flexible version. None are understood by sluice yet, so all are skipped;
   * they are returned by tag for callers that want to look.
   */
  taggedFields(): Map<number, Uint8Array> {
    const at = this.pos;
    const n = this.uvarint();
    const fields = new Map<number, Uint8Array>();
    if (n === 0) return fields;
    this.checkCount(n, at);
    let last = -1;
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new ProtocolError(`tagged fields out of order (tag ${tag} after ${last})`);
      last = tag;
      const size = this.uvarint();
      fields.set(tag, this.raw(size));
    }
    return fields;
  }
}
