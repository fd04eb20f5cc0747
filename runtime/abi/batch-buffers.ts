/**
 * Recycles the buffers a pipeline encodes its batches into. A batch buffer lives for one call: the
 * host encodes into it, the runner reads it (or takes it, sandbox-pool.ts, and sends the output
 * back in it), decodeBatch copies the output out. A fresh buffer for every batch costs page faults,
 * and the sandbox's transferred buffers, freed only by full collections, would make a fresh buffer
 * the common case (docs/sandbox.md, "Batch buffers").
 */
import { BATCH_BUFFER_MIN_BYTES, BATCH_BUFFERS_KEPT_MAX, BATCH_BUFFERS_KEPT_MAX_BYTES } from '../constants.js';

export interface BatchBuffersStats {
  /** Buffers handed out by take(). */
  taken: number;
  /** Of those, the ones that were recycled. */
  reused: number;
  /** Buffers given back and kept. */
  kept: number;
  /** Buffers given back and left to the GC: detached, shared, too large, or past a bound. */
  dropped: number;
}

export class BatchBuffers {
  readonly #keptMax: number;
  readonly #keptMaxBytes: number;
  /** Free buffers, oldest first. */
  #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  #stats: BatchBuffersStats = { taken: 0, reused: 0, kept: 0, dropped: 0 };

  constructor(options: { keptMax?: number; keptMaxBytes?: number } = {}) {
    this.#keptMax = options.keptMax ?? BATCH_BUFFERS_KEPT_MAX;
    this.#keptMaxBytes = options.keptMaxBytes ?? BATCH_BUFFERS_KEPT_MAX_BYTES;
  }

  /**
   * A view of exactly `size` bytes at the start of a buffer of its own: the smallest free one that
   * fits, or a new one of `size` rounded up to a power of two. Its bytes are not cleared.
   */
  take(size: number): Uint8Array<ArrayBuffer> {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`batch buffer size ${size} is not a byte count`);
    this.#stats.taken++;
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const len = this.#free[i]!.byteLength;
      if (len >= size && (best < 0 || len < this.#free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const buf = this.#free.splice(best, 1)[0]!;
      this.#freeBytes -= buf.byteLength;
      this.#stats.reused++;
      return new Uint8Array(buf, 0, size);
    }
    return new Uint8Array(new ArrayBuffer(roundUpToPowerOfTwo(Math.max(size, BATCH_BUFFER_MIN_BYTES))), 0, size);
  }

  /** A copy of `bytes` in a buffer taken from these (the start of it, as take() gives). */
  copyOf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    const out = this.take(bytes.length);
    out.set(bytes);
    return out;
  }

  /**
   * Gives back the buffer under `view` for a later take(). Only for a buffer the caller owns and
   * no longer reads or writes through any view: a take()n input after its call, or a runner's
   * output after decodeBatch copied it (RunOutput.output is always the caller's own). A detached
   * (transferred) or shared buffer, one already kept, or one past the bounds is left to the GC;
   * past the bounds the oldest kept buffers go first.
   */
  give(view: Uint8Array): void {
    const buf = view.buffer;
    if (!(buf instanceof ArrayBuffer) || buf.byteLength === 0 || buf.byteLength > this.#keptMaxBytes || this.#free.includes(buf)) {
      this.#stats.dropped++;
      return;
    }
    this.#free.push(buf);
    this.#freeBytes += buf.byteLength;
    this.#stats.kept++;
    while (this.#free.length > this.#keptMax || this.#freeBytes > this.#keptMaxBytes) {
      this.#freeBytes -= this.#free.shift()!.byteLength;
      this.#stats.dropped++;
    }
  }

  /** Free buffers kept now, and their bytes. */
  get free(): { buffers: number; bytes: number } {
    return { buffers: this.#free.length, bytes: this.#freeBytes };
  }

  stats(): BatchBuffersStats {
    return { ...this.#stats };
  }
}

function roundUpToPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}
