/**
 * Splits a TCP byte stream into Kafka request frames (int32 size, then that many bytes).
 * A size outside [REQUEST_HEADER_MIN_BYTES, maxFrameBytes] is refused as soon as the prefix
 * arrives, so the decoder never holds more than one bounded frame plus one socket chunk.
 */
import { Reader } from '../protocol/reader.js';

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const SIZE_PREFIX_BYTES = 4;

export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Size of the frame being collected, or -1 while its prefix is incomplete. */
  private frameSize = -1;
  private readonly minFrameBytes: number;
  private readonly maxFrameBytes: number;

  constructor(minFrameBytes: number, maxFrameBytes: number) {
    this.minFrameBytes = minFrameBytes;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
  }

  /** The next complete frame body (without its size prefix), or null when more bytes are needed. */
  next(): Uint8Array | null {
    if (this.frameSize < 0) {
      if (this.buffered < SIZE_PREFIX_BYTES) return null;
      const size = new Reader(this.take(SIZE_PREFIX_BYTES)).int32();
      if (size < this.minFrameBytes || size > this.maxFrameBytes) {
        throw new FrameError(
          `frame of ${size} bytes outside the allowed ${this.minFrameBytes}..${this.maxFrameBytes}`,
        );
      }
      this.frameSize = size;
    }
    if (this.buffered < this.frameSize) return null;
    const frame = this.take(this.frameSize);
    this.frameSize = -1;
    return frame;
  }

  /** Removes n buffered bytes (n <= buffered); a view when they sit in one chunk, else a copy. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength >= n) {
      const out = first.subarray(0, n);
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.byteLength, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.byteLength) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
