/**
 * A wrapper that counts requests and payload bytes per operation, for tests and
 * benchmarks (PUTs per GiB), and feeds Prometheus when given a registry.
 */
import type { Registry } from 'prom-client';
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './object-store.js';
import type { StoreOp } from './fault-store.js';
import { type ObjectStoreMetrics, objectStoreMetrics } from './store-metrics.js';

export interface OpCount {
  /** Calls made, whatever their outcome. */
  requests: number;
  /** Calls that threw (not-found on get counts as an error too). */
  errors: number;
  /** Payload bytes: written for put/putIfAbsent, returned for get. */
  bytes: number;
}

export type StoreCounts = Record<StoreOp, OpCount>;

function zero(): StoreCounts {
  return {
    get: { requests: 0, errors: 0, bytes: 0 },
    put: { requests: 0, errors: 0, bytes: 0 },
    putIfAbsent: { requests: 0, errors: 0, bytes: 0 },
    list: { requests: 0, errors: 0, bytes: 0 },
    delete: { requests: 0, errors: 0, bytes: 0 },
  };
}

export class CountingStore implements ObjectStore {
  readonly inner: ObjectStore;
  private counts: StoreCounts = zero();
  private readonly metrics: ObjectStoreMetrics | undefined;

  constructor(inner: ObjectStore, options: { registry?: Registry } = {}) {
    this.inner = inner;
    this.metrics = options.registry === undefined ? undefined : objectStoreMetrics(options.registry);
  }

  /** A copy of the counts so far. */
  snapshot(): StoreCounts {
    return structuredClone(this.counts);
  }

  /** Requests that wrote an object (put and putIfAbsent), the figure that costs money on S3. */
  get writeRequests(): number {
    return this.counts.put.requests + this.counts.putIfAbsent.requests;
  }

  reset(): void {
    this.counts = zero();
  }

  private async count<T>(op: StoreOp, bytesIn: number, body: () => Promise<T>, bytesOut: (result: T) => number, outcome: (result: T) => string): Promise<T> {
    const c = this.counts[op];
    c.requests++;
    const started = process.hrtime.bigint();
    try {
      const result = await body();
      const bytes = bytesIn + bytesOut(result);
      c.bytes += bytes;
      if (this.metrics !== undefined) {
        this.metrics.requests.inc({ op, outcome: outcome(result) });
        if (bytes > 0) this.metrics.bytes.inc({ op }, bytes);
      }
      return result;
    } catch (err) {
      c.errors++;
      this.metrics?.requests.inc({ op, outcome: err instanceof ObjectNotFoundError ? 'not_found' : 'error' });
      throw err;
    } finally {
      this.metrics?.latency.observe({ op }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.count('get', 0, () => this.inner.get(key, range), (b) => b.byteLength, () => 'ok');
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.count('put', bytes.byteLength, () => this.inner.put(key, bytes), () => 0, () => 'ok');
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    // Bytes count only when written: a lost race moves nothing worth billing for here.
    return this.count('putIfAbsent', 0, () => this.inner.putIfAbsent(key, bytes), (won) => (won ? bytes.byteLength : 0), (won) => (won ? 'ok' : 'exists'));
  }

  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.count('list', 0, () => this.inner.list(prefix, after), () => 0, () => 'ok');
  }

  delete(key: string): Promise<void> {
    return this.count('delete', 0, () => this.inner.delete(key), () => 0, () => 'ok');
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
