/**
 * A Writer for response frames that may be large: byte runs of at least `spliceMinBytes` (fetched
 * record batches) are kept by reference instead of copied, and its own bytes are sealed into
 * pieces of at most `pieceMaxBytes` instead of one buffer grown by doubling. A 16 MiB fetch answer
 * then costs no copy of its records on the event loop; the socket writes the pieces in one writev.
 */
import { Writer } from './writer.js';

export class SplicingWriter extends Writer {
  /** Sealed pieces, in order: the writer's own bytes and spliced runs. */
  #pieces: Uint8Array[] = [];
  /** The pieces that are callers' bytes (spliced runs): never written into. */
  #spliced = new Set<Uint8Array>();
  /** Bytes in #pieces. */
  #sealed = 0;
  /** Where the current (unsealed) piece starts in the buffer. */
  #start = 0;

  constructor(private readonly spliceMinBytes: number, private readonly pieceMaxBytes: number, initialBytes = 256) {
    super(Math.min(initialBytes, pieceMaxBytes));
  }

  override get length(): number {
    return this.#sealed + this.pos - this.#start;
  }

  protected override ensure(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return;
    const current = this.pos - this.#start;
    if (current + n <= this.pieceMaxBytes) {
      // Still small: grow by doubling, carrying over only the current piece.
      let cap = Math.max(16, this.buf.byteLength * 2);
      while (cap < current + n) cap *= 2;
      const next = new Uint8Array(Math.min(cap, this.pieceMaxBytes));
      next.set(this.buf.subarray(this.#start, this.pos));
      this.#use(next, current);
      return;
    }
    this.#seal();
    this.#use(new Uint8Array(Math.max(n, this.pieceMaxBytes)), 0);
  }

  #use(buf: Uint8Array, pos: number): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.#start = 0;
  }

  #seal(): void {
    if (this.pos === this.#start) return;
    this.#pieces.push(this.buf.subarray(this.#start, this.pos));
    this.#sealed += this.pos - this.#start;
    this.#start = this.pos;
  }

  override raw(bytes: Uint8Array): this {
    if (bytes.byteLength < this.spliceMinBytes) return super.raw(bytes);
    this.#seal();
    this.#pieces.push(bytes);
    this.#spliced.add(bytes);
    this.#sealed += bytes.byteLength;
    return this;
  }

  override setInt32At(at: number, v: number): this {
    return this.#setAt(at, v | 0);
  }

  override setUint32At(at: number, v: number): this {
    return this.#setAt(at, v | 0);
  }

  /** Big-endian int32 at absolute position `at`, in the current piece or across sealed ones (never in a spliced run). */
  #setAt(at: number, v: number): this {
    if (at < 0 || at + 4 > this.length) throw new RangeError(`set at ${at} outside ${this.length} written bytes`);
    if (at >= this.#sealed) {
      this.view.setInt32(this.#start + at - this.#sealed, v);
      return this;
    }
    for (let i = 0; i < 4; i++) this.#setByte(at + i, (v >>> (24 - 8 * i)) & 0xff);
    return this;
  }

  #setByte(at: number, b: number): void {
    let base = 0;
    for (const p of this.#pieces) {
      if (at < base + p.byteLength) {
        if (this.#spliced.has(p)) throw new RangeError(`set at ${at} would write into a spliced run`);
        p[at - base] = b;
        return;
      }
      base += p.byteLength;
    }
    this.buf[this.#start + at - base] = b;
  }

  override reset(): this {
    this.#pieces = [];
    this.#spliced.clear();
    this.#sealed = 0;
    this.#start = 0;
    return super.reset();
  }

  /** Everything written, as pieces to write in order (views: valid until the next write). */
  pieces(): Uint8Array[] {
    const out = [...this.#pieces];
    if (this.pos > this.#start) out.push(this.buf.subarray(this.#start, this.pos));
    return out;
  }

  /** Everything written, joined (a copy when there is more than one piece). */
  override toUint8Array(): Uint8Array {
    const pieces = this.pieces();
    if (pieces.length === 1) return pieces[0]!;
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
