import { describe, expect, it } from 'vitest';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { ReadCacheStore } from '../../../broker/storage/read-cache-store.js';
import { tempDirsForFile } from '../../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

/** The wrapper passes list through: a short paging run is enough, LocalStore's own suite does the long one. */
const WRAPPER = { pagingKeys: 120, propertyRuns: 50 };

const tempDir = tempDirsForFile('read-cache');

describeStoreContract('ReadCacheStore', async () => new ReadCacheStore(new LocalStore(await tempDir()), { maxBytes: 64 * 1024 }), WRAPPER);

describe('ReadCacheStore', () => {
  it('serves repeated and ranged reads of a cached object without touching the inner store', async () => {
    const inner = new CountingStore(new LocalStore(await tempDir()));
    const store = new ReadCacheStore(inner, { maxBytes: 1000 });
    await store.put('seg', Uint8Array.from({ length: 100 }, (_, i) => i));
    expect((await store.get('seg')).byteLength).toBe(100);
    expect(await store.get('seg')).toHaveLength(100);
    expect(await store.get('seg', { start: 10, end: 13 })).toEqual(Uint8Array.of(10, 11, 12));
    expect(await store.get('seg', { start: 98, end: 200 })).toEqual(Uint8Array.of(98, 99));
    expect(inner.snapshot().get.requests).toBe(1);
    expect(store.hits).toBe(3);
  });

  it('evicts the least recently used objects to stay within its byte budget', async () => {
    const inner = new CountingStore(new LocalStore(await tempDir()));
    const store = new ReadCacheStore(inner, { maxBytes: 250 });
    for (const k of ['a', 'b', 'c']) await store.put(k, new Uint8Array(100));
    await store.get('a');
    await store.get('b');
    await store.get('a'); // a is now the most recent
    await store.get('c'); // evicts b
    expect(store.cachedBytes).toBeLessThanOrEqual(250);
    inner.reset();
    await store.get('a');
    await store.get('c');
    expect(inner.snapshot().get.requests).toBe(0);
    await store.get('b');
    expect(inner.snapshot().get.requests).toBe(1);
  });

  it('never caches an object larger than the budget, and put/delete invalidate', async () => {
    const inner = new CountingStore(new LocalStore(await tempDir()));
    const store = new ReadCacheStore(inner, { maxBytes: 50 });
    await store.put('big', new Uint8Array(51));
    await store.get('big');
    expect(store.cachedBytes).toBe(0);
    await store.put('small', Uint8Array.of(1));
    await store.get('small');
    await store.put('small', Uint8Array.of(2));
    expect(await store.get('small')).toEqual(Uint8Array.of(2));
    await store.delete('small');
    await expect(store.get('small')).rejects.toMatchObject({ name: 'ObjectNotFoundError' });
    expect(store.cachedBytes).toBe(0);
  });
});
