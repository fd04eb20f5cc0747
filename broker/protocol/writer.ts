const textEncoder = new TextEncoder();
const INITIAL_CAPACITY_BYTES = 256;

/**
 * A big-endian buffer with the same primitives as Reader: growable, or (given a buffer) writing
 * into that buffer only, for layouts whose size is computed beforehand.
 */
export class Writer {
  protected buf: Uint8Array;
  protected view: DataView;
  protected pos = 0;
  /** Writing into a caller's buffer: never grows, a write past its end is a bug. */
  private readonly fixed: boolean;

  constructor(capacity: number | Uint8Array = INITIAL_CAPACITY_BYTES) {
    this.fixed = typeof capacity !== 'number';
    this.buf = typeof capacity === 'number' ? new Uint8Array(Math.max(16, capacity)) : capacity;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get length(): number {
    return this.pos;
  }

  protected ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.byteLength) return;
    if (this.fixed) throw new RangeError(`write of ${n} bytes at ${this.pos} runs past the end of a ${this.buf.byteLength}-byte buffer`);
    let cap = this.buf.byteLength * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Start over, keeping the buffer (a scratch writer reused per record). */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** The bytes written so far, as a view (valid until the next write). */
  toUint8Array(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  int8(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  int64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
    return this;
  }

  /** Overwrite an int32 already written (size prefixes, batch lengths). */
  setInt32At(at: number, v: number): this {
    if (at < 0 || at + 4 > this.pos) throw new RangeError(`setInt32At ${at} outside ${this.pos} written bytes`);
    this.view.setInt32(at, v);
    return this;
  }

  setUint32At(at: number, v: number): this {
    if (at < 0 || at + 4 > this.pos) throw new RangeError(`setUint32At ${at} outside ${this.pos} written bytes`);
    this.view.setUint32(at, v);
    return this;
  }

  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uvarint out of range: ${v}`);
    this.ensure(5);
    let u = v >>> 0;
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
    return this;
  }

  varint(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`varint out of range: ${v}`);
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  uvarlong(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`uvarlong out of range: ${v}`);
    this.ensure(10);
    let u = v;
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  varlong(v: bigint): this {
    const z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    return this.uvarlong(z);
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
    return this;
  }

  private utf8(s: string): Uint8Array {
    return textEncoder.encode(s);
  }

  string(s: string): this {
    const b = this.utf8(s);
    if (b.byteLength > 0x7fff) throw new RangeError(`string of ${b.byteLength} bytes does not fit an int16 length`);
    return this.int16(b.byteLength).raw(b);
  }

  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  compactString(s: string): this {
    const b = this.utf8(s);
    return this.uvarint(b.byteLength + 1).raw(b);
  }

  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  bytes(b: Uint8Array): this {
    return this.int32(b.byteLength).raw(b);
  }

  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }

  compactBytes(b: Uint8Array): this {
    return this.uvarint(b.byteLength + 1).raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  /** Varint-length bytes inside a record (-1 is null). */
  varintBytes(b: Uint8Array | null): this {
    return b === null ? this.varint(-1) : this.varint(b.byteLength).raw(b);
  }

  array<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, write);
  }

  compactArray<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  compactNullableArray<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    return items === null ? this.uvarint(0) : this.compactArray(items, write);
  }

  varintArray<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.varint(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** Tagged fields of a flexible version, in ascending tag order. */
  taggedFields(fields?: ReadonlyMap<number, Uint8Array>): this {
    if (fields === undefined || fields.size === 0) return this.uvarint(0);
    const tags = [...fields.keys()].sort((a, b) => a - b);
    this.uvarint(tags.length);
    for (const tag of tags) {
      const data = fields.get(tag)!;
      this.uvarint(tag).uvarint(data.byteLength).raw(data);
    }
    return this;
  }
}
