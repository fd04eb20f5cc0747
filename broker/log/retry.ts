/** Bounded retries with exponential backoff for store calls. */
import { STORE_RETRY_BASE_MS, STORE_RETRY_MAX_COUNT, STORE_RETRY_MAX_MS } from '../constants.js';
import { ObjectNotFoundError } from '../storage/object-store.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether another attempt of the same call may succeed. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof ObjectNotFoundError) return false;
  if (err !== null && typeof err === 'object' && 'retriable' in err) return (err as { retriable: unknown }).retriable === true;
  // Unknown failures (I/O errors, timeouts) are treated as transient: the caller bounds the attempts.
  return err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError);
}

/** Calls `fn` up to `attempts` times while it fails retriably; rethrows the last error. */
export async function withRetry<T>(fn: () => Promise<T>, attempts = STORE_RETRY_MAX_COUNT, shouldStop?: () => boolean): Promise<T> {
  let delay = STORE_RETRY_BASE_MS;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetriable(err) || shouldStop?.()) throw err;
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, STORE_RETRY_MAX_MS);
    }
  }
}
