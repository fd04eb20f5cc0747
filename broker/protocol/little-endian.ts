/**
 * Bounds-checked little-endian cursors over a fixed byte range: the layouts the host shares with
 * WebAssembly guests (the ABI v1 batch and params, sdk/ABI.md) are little-endian, as WebAssembly
 * memory is. The Kafka wire is big-endian and has its own Reader and Writer (reader.ts,
 * writer.ts). A read or write past the end throws the error the owner's `fail` makes (its own
 * error class), so a hostile length costs at most the bytes that are there.
 */

/** Makes the owner's error for a malformed or truncated layout. */
export type MakeError = (message: string) => Error;

/** Bytes of a length prefix (i32 or u32) before a byte string. */
export const LE_LENGTH_BYTES = 4;

const rangeError: MakeError = (message) => new RangeError(message);

export class LittleEndianReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, private readonly fail: MakeError = rangeError) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.pos = 0;
    this.end = bytes.length;
  }

  /** Position of the next byte to read. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are there (`what` + `part` names them; the message is built only then). */
  need(n: number, what: string, part = ''): void {
    if (n > this.end - this.pos) throw this.fail(`${what}${part} runs past the end (${this.pos + n} > ${this.end})`);
  }

  /** A 4-byte integer (`part` names it within `what`, e.g. " length"). */
  private word(what: string, part: string, signed: boolean): number {
    this.need(4, what, part);
    const v = signed ? this.view.getInt32(this.pos, true) : this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A 4-byte length prefix of `what`. */
  private length(what: string, signed: boolean): number {
    return this.word(what, ' length', signed);
  }

  uint32(what = 'u32'): number {
    return this.word(what, '', false);
  }

  int32(what = 'i32'): number {
    return this.word(what, '', true);
  }

  int64(what = 'i64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Passes over `n` bytes. */
  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** `n` bytes as a view into the input (no copy). */
  raw(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** u32 length, then that many bytes (a view). */
  bytesU32(what = 'bytes'): Uint8Array {
    return this.raw(this.length(what, false), what);
  }

  /** i32 length, then that many bytes (a view); a length of -1 is null. */
  nullableBytes(what = 'bytes'): Uint8Array | null {
    const len = this.checkedLength(what, true);
    return len === -1 ? null : this.raw(len, what);
  }

  /** i32 length (never -1), then that many bytes (a view). */
  bytes32(what = 'bytes'): Uint8Array {
    return this.raw(this.checkedLength(what, false), what);
  }

  /** Checks and passes over what nullableBytes (`nullable`) or bytes32 would read, making no view; returns its length. */
  skipBytes32(what: string, nullable: boolean): number {
    const len = this.checkedLength(what, nullable);
    if (len > 0) {
      this.need(len, what);
      this.pos += len;
    }
    return len;
  }

  /** An i32 length that is -1 (when `nullable`) or fits the bytes left. */
  private checkedLength(what: string, nullable: boolean): number {
    const len = this.length(what, true);
    if (len < 0 && !(nullable && len === -1)) throw this.fail(`${what} length ${len}`);
    return len;
  }
}

/**
 * Writes into a buffer of a size computed beforehand; writing past its end is a bug and throws.
 * (Lengths are read as `.length` and the end is kept in a field: on Node 20 a typed array's
 * `byteLength` getter made every write several times slower.)
 */
export class LittleEndianWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly end: number;
  private pos = 0;

  constructor(bytes: Uint8Array, private readonly fail: MakeError = rangeError) {
    this.bytes = bytes;
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Bytes written so far. */
  get offset(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (n > this.end - this.pos) throw this.fail(`write of ${n} bytes at ${this.pos} runs past the end (${this.end})`);
  }

  private word(v: number, signed: boolean): this {
    this.room(4);
    if (signed) this.view.setInt32(this.pos, v, true);
    else this.view.setUint32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    return this.word(v, false);
  }

  int32(v: number): this {
    return this.word(v, true);
  }

  int64(v: bigint): this {
    this.room(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.room(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** u32 length, then the bytes. */
  bytesU32(b: Uint8Array): this {
    return this.uint32(b.length).raw(b);
  }

  /** i32 length (-1 for null), then the bytes. */
  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.int32(b.length).raw(b);
  }
}
