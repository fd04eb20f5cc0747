/**
 * A wrapper that retries failed calls with exponential backoff, as long as the failure is one
 * another attempt may fix, up to a bounded number of attempts. `putIfAbsent` is never retried:
 * after a lost reply a retry would meet its own object and answer "exists", so its caller
 * decides by reading the key back (the log's manifest writer does).
 */
import { STORE_RETRY_BASE_MS, STORE_RETRY_MAX_COUNT, STORE_RETRY_MAX_MS } from '../constants.js';
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './object-store.js';

export interface RetryOptions {
  /** Attempts per call, the first included (default STORE_RETRY_MAX_COUNT). */
  attempts?: number;
  /** First backoff (default STORE_RETRY_BASE_MS); doubles after every attempt. */
  baseMs?: number;
  /** Longest backoff (default STORE_RETRY_MAX_MS). */
  maxMs?: number;
}

/** Whether another attempt of the same call may succeed. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof ObjectNotFoundError) return false;
  if (err !== null && typeof err === 'object' && 'retriable' in err) return (err as { retriable: unknown }).retriable === true;
  // Unknown failures (I/O errors, timeouts) are treated as transient: the attempts are bounded.
  return err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError);
}

/** Exponential backoff with jitter: each wait is half to one and a half of a delay that doubles up to its bound. */
export class Backoff {
  private delayMs: number;

  constructor(
    baseMs = STORE_RETRY_BASE_MS,
    private readonly maxMs = STORE_RETRY_MAX_MS,
  ) {
    this.delayMs = baseMs;
  }

  wait(): Promise<void> {
    const ms = this.delayMs * (0.5 + Math.random());
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

export class RetryingStore implements ObjectStore {
  readonly inner: ObjectStore;
  private readonly attempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(inner: ObjectStore, options: RetryOptions = {}) {
    this.inner = inner;
    this.attempts = options.attempts ?? STORE_RETRY_MAX_COUNT;
    this.baseMs = options.baseMs ?? STORE_RETRY_BASE_MS;
    this.maxMs = options.maxMs ?? STORE_RETRY_MAX_MS;
    if (!Number.isInteger(this.attempts) || this.attempts < 1) throw new RangeError(`retry attempts must be a positive integer, got ${this.attempts}`);
    if (!(this.baseMs >= 0 && this.maxMs >= this.baseMs)) throw new RangeError(`bad retry backoff [${this.baseMs}, ${this.maxMs}] ms`);
  }

  /** Calls `fn` until it succeeds, fails with an error no retry can fix, or runs out of attempts; rethrows the last error. */
  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.baseMs, this.maxMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= this.attempts || !isRetriable(err)) throw err;
        await backoff.wait();
      }
    }
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.retry(() => this.inner.get(key, range));
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.retry(() => this.inner.put(key, bytes));
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, bytes);
  }

  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.retry(() => this.inner.list(prefix, after));
  }

  delete(key: string): Promise<void> {
    return this.retry(() => this.inner.delete(key));
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
