/**
 * A wrapper that keeps whole objects in memory, least recently used first out,
 * within a byte budget. Safe because segment objects are immutable once written;
 * writes and deletes through this wrapper still evict, for the few mutable keys.
 * Returned arrays are shared with the cache: callers must not modify them.
 */
import { READ_CACHE_DEFAULT_MAX_BYTES } from '../constants.js';
import { assertRange } from './keys.js';
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';

export class ReadCacheStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly maxBytes: number;
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(inner: ObjectStore, options: { maxBytes?: number } = {}) {
    this.inner = inner;
    this.maxBytes = options.maxBytes ?? READ_CACHE_DEFAULT_MAX_BYTES;
    if (!(this.maxBytes >= 0)) throw new RangeError(`read cache maxBytes ${this.maxBytes}`);
  }

  get cachedBytes(): number {
    return this.bytes;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (range !== undefined) assertRange(range);
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, cached);
      return range === undefined ? cached : cached.subarray(Math.min(range.start, cached.byteLength), Math.min(range.end, cached.byteLength));
    }
    this.misses++;
    // Ranged reads pass through: caching a slice would need range bookkeeping for little gain.
    if (range !== undefined) return this.inner.get(key, range);
    const bytes = await this.inner.get(key);
    this.insert(key, bytes);
    return bytes;
  }

  private insert(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    this.evict(key);
    this.entries.set(key, bytes);
    this.bytes += bytes.byteLength;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.byteLength;
    }
  }

  private evict(key: string): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.bytes -= old.byteLength;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.evict(key);
    try {
      await this.inner.put(key, bytes);
    } finally {
      this.evict(key);
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, bytes);
  }

  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix, after);
  }

  async delete(key: string): Promise<void> {
    this.evict(key);
    try {
      await this.inner.delete(key);
    } finally {
      this.evict(key);
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
    await this.inner.close?.();
  }
}
