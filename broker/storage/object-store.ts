/**
 * The one narrow interface every part of sluice uses to reach the bucket.
 * Implementations: local directory (embedded default), S3, and wrappers
 * (fault injection, counting/metrics, read cache, retries) that compose around any of them.
 */

/** An inclusive-start, exclusive-end byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** The bytes of `key` (or the range of them); throws ObjectNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Writes `bytes` under `key` atomically: readers see the old object or the whole new one. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Writes only when `key` does not exist; false when it does. Atomic against concurrent writers. */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
  /** Keys under `prefix` in lexicographic order, strictly after `after` when given. */
  list(prefix: string, after?: string): Promise<ObjectInfo[]>;
  /** Removes `key`; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections or handles. */
  close?(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super(`object not found: ${key}`, options);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

/** A store failure worth retrying (network, throttling, injected fault). */
export class ObjectStoreError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options);
    this.name = 'ObjectStoreError';
    this.retriable = options?.retriable ?? true;
  }
}
