import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import { FaultInjectingStore } from '../../../broker/storage/fault-store.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { tempDirsForFile } from '../../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

/** The wrapper passes list through: a short paging run is enough, LocalStore's own suite does the long one. */
const WRAPPER = { pagingKeys: 120, propertyRuns: 50 };

const tempDir = tempDirsForFile('counting-store');

describeStoreContract('CountingStore', async () => new CountingStore(new LocalStore(await tempDir()), { registry: new Registry() }), WRAPPER);

describe('CountingStore', () => {
  it('counts requests, errors and payload bytes per operation', async () => {
    const store = new CountingStore(new LocalStore(await tempDir()));
    await store.put('a', new Uint8Array(100));
    await store.put('b', new Uint8Array(50));
    expect(await store.putIfAbsent('c', new Uint8Array(10))).toBe(true);
    expect(await store.putIfAbsent('c', new Uint8Array(10))).toBe(false);
    await store.get('a', { start: 10, end: 40 });
    await store.get('missing').catch(() => {});
    await store.list('');
    await store.delete('a');
    const counts = store.snapshot();
    expect(counts.put).toEqual({ requests: 2, errors: 0, bytes: 150 });
    expect(counts.putIfAbsent).toEqual({ requests: 2, errors: 0, bytes: 10 });
    expect(counts.get).toEqual({ requests: 2, errors: 1, bytes: 30 });
    expect(counts.list).toEqual({ requests: 1, errors: 0, bytes: 0 });
    expect(counts.delete).toEqual({ requests: 1, errors: 0, bytes: 0 });
    expect(store.writeRequests).toBe(4);
    store.reset();
    expect(store.snapshot().put.requests).toBe(0);
  });

  it('counts failed calls of an inner faulty store as errors', async () => {
    const store = new CountingStore(new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 1, failProbability: 1 }));
    await expect(store.put('a', new Uint8Array(5))).rejects.toThrow(/injected/);
    expect(store.snapshot().put).toEqual({ requests: 1, errors: 1, bytes: 0 });
  });

  it('feeds Prometheus metrics on the given registry, shared by every store on it', async () => {
    const registry = new Registry();
    const one = new CountingStore(new LocalStore(await tempDir()), { registry });
    const two = new CountingStore(new LocalStore(await tempDir()), { registry });
    await one.put('a', new Uint8Array(1000));
    await two.put('a', new Uint8Array(24));
    await one.get('a');
    await one.get('nope').catch(() => {});
    expect(await one.putIfAbsent('a', new Uint8Array(3))).toBe(false);
    const text = await registry.metrics();
    expect(text).toContain('sluice_object_requests_total{op="put",outcome="ok"} 2');
    expect(text).toContain('sluice_object_requests_total{op="get",outcome="not_found"} 1');
    expect(text).toContain('sluice_object_requests_total{op="putIfAbsent",outcome="exists"} 1');
    expect(text).toContain('sluice_object_bytes_total{op="put"} 1024');
    expect(text).toContain('sluice_object_bytes_total{op="get"} 1000');
    expect(text).toMatch(/sluice_object_request_seconds_count\{op="put"\} 2/);
  });
});
