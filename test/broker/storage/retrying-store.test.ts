import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { STORE_RETRY_MAX_COUNT } from '../../../broker/constants.js';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import { FaultInjectingStore, InjectedFaultError } from '../../../broker/storage/fault-store.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { ObjectNotFoundError, ObjectStoreError } from '../../../broker/storage/object-store.js';
import { RetryingStore, isRetriable } from '../../../broker/storage/retrying-store.js';
import { tempDirsForFile } from '../../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

const tempDir = tempDirsForFile('retrying-store');

describeStoreContract('RetryingStore', async () => new RetryingStore(new LocalStore(await tempDir())), { pagingKeys: 120, propertyRuns: 50 });

/** retrying → counting (calls that reached the faulty store) → faults → local directory. */
async function layered(attempts?: number) {
  const faults = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 7 });
  const counting = new CountingStore(faults);
  return { faults, counting, store: new RetryingStore(counting, { attempts, baseMs: 1, maxMs: 2 }) };
}

describe('RetryingStore', () => {
  it('retries a retriable failure until the call succeeds', async () => {
    const { faults, counting, store } = await layered();
    await store.put('k', Uint8Array.of(1));
    faults.failKeys('k', { count: 2 });
    expect(await store.get('k')).toEqual(Uint8Array.of(1));
    expect(counting.snapshot().get).toMatchObject({ requests: 3, errors: 2 });
  });

  it(`gives up after STORE_RETRY_MAX_COUNT (${STORE_RETRY_MAX_COUNT}) attempts and rethrows the last error`, async () => {
    const { faults, counting, store } = await layered();
    faults.failKeys('k');
    await expect(store.put('k', Uint8Array.of(1))).rejects.toBeInstanceOf(InjectedFaultError);
    expect(counting.snapshot().put).toMatchObject({ requests: STORE_RETRY_MAX_COUNT, errors: STORE_RETRY_MAX_COUNT });
  });

  it('takes its bound of attempts from the options', async () => {
    const { faults, counting, store } = await layered(2);
    faults.failKeys('p/');
    await expect(store.list('p/')).rejects.toBeInstanceOf(InjectedFaultError);
    await expect(store.delete('p/x')).rejects.toBeInstanceOf(InjectedFaultError);
    expect(counting.snapshot().list.requests).toBe(2);
    expect(counting.snapshot().delete.requests).toBe(2);
  });

  it('does not retry what no retry can fix: a missing key, a non-retriable error', async () => {
    const { counting, store } = await layered();
    await expect(store.get('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(counting.snapshot().get.requests).toBe(1);
    let calls = 0;
    const deny = (): Promise<never> => {
      calls++;
      return Promise.reject(new ObjectStoreError('access denied', { retriable: false }));
    };
    const denied = new RetryingStore({ get: deny, put: deny, putIfAbsent: deny, list: deny, delete: deny });
    await expect(denied.get('k')).rejects.toThrow('access denied');
    await expect(denied.put('k', Uint8Array.of(1))).rejects.toThrow('access denied');
    expect(calls).toBe(2);
  });

  it('never retries putIfAbsent: after a lost reply the caller must read the key back', async () => {
    const { faults, counting, store } = await layered();
    faults.failKeys('once', { kind: 'lost-reply', count: 1 });
    await expect(store.putIfAbsent('once', Uint8Array.of(1))).rejects.toBeInstanceOf(InjectedFaultError);
    expect(counting.snapshot().putIfAbsent.requests).toBe(1);
    // The write happened: a retry would have answered "exists".
    expect(await store.get('once')).toEqual(Uint8Array.of(1));
  });

  it('refuses bounds that cannot work', () => {
    const inner = new LocalStore(os.tmpdir());
    expect(() => new RetryingStore(inner, { attempts: 0 })).toThrow(RangeError);
    expect(() => new RetryingStore(inner, { baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });

  it('classifies errors: not-found, programming errors and non-retriable store errors are final', () => {
    expect(isRetriable(new ObjectNotFoundError('k'))).toBe(false);
    expect(isRetriable(new TypeError('bug'))).toBe(false);
    expect(isRetriable(new RangeError('bug'))).toBe(false);
    expect(isRetriable(new ObjectStoreError('denied', { retriable: false }))).toBe(false);
    expect(isRetriable(new ObjectStoreError('throttled'))).toBe(true);
    expect(isRetriable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetriable('not an error')).toBe(false);
  });
});
