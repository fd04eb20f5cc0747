import { describe, expect, it } from 'vitest';
import { FaultInjectingStore, type FaultEvent, InjectedFaultError } from '../../../broker/storage/fault-store.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { ObjectStoreError } from '../../../broker/storage/object-store.js';
import { tempDirsForFile } from '../../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

const tempDir = tempDirsForFile('fault-store');

// With faults switched off the wrapper must be invisible.
describeStoreContract('FaultInjectingStore (faults off)', async () =>
  new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 1, failProbability: 0.5, lostReplyProbability: 0.5, enabled: false }),
  { pagingKeys: 120, propertyRuns: 50 },
);

/** Runs a fixed workload and returns what happened to each call. */
async function workload(store: FaultInjectingStore): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < 300; i++) {
    const key = `w/${i % 37}`;
    const op = i % 4;
    try {
      if (op === 0) await store.put(key, Uint8Array.of(i & 0xff));
      else if (op === 1) outcomes.push(`pia:${await store.putIfAbsent(`once/${i}`, Uint8Array.of(1))}`);
      else if (op === 2) await store.get(key).catch((e: unknown) => { if (e instanceof InjectedFaultError) throw e; });
      else await store.list('w/');
      outcomes.push(`${i}:ok`);
    } catch (err) {
      expect(err).toBeInstanceOf(InjectedFaultError);
      outcomes.push(`${i}:${(err as InjectedFaultError).kind}`);
    }
  }
  return outcomes;
}

describe('FaultInjectingStore', () => {
  const options = { failProbability: 0.2, lostReplyProbability: 0.2, delayProbability: 0.1, delayMs: { min: 0, max: 2 } };

  it('the same seed gives the same sequence of faults; another seed gives another', async () => {
    const a = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 42, ...options });
    const b = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 42, ...options });
    const c = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 43, ...options });
    const [ra, rb, rc] = [await workload(a), await workload(b), await workload(c)];
    expect(rb).toEqual(ra);
    expect(b.events).toEqual(a.events);
    expect(rc).not.toEqual(ra);
    const kinds = (events: FaultEvent[]) => new Set(events.map((e) => e.kind));
    expect(kinds(a.events)).toEqual(new Set(['fail', 'lost-reply', 'delay']));
    // Roughly the configured rates (300 calls): neither never nor always.
    const fails = a.events.filter((e) => e.kind === 'fail').length;
    expect(fails).toBeGreaterThan(30);
    expect(fails).toBeLessThan(100);
  });

  it('the schedule depends on call order only, not on timing', async () => {
    const slow = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 7, ...options, delayProbability: 1, delayMs: { min: 0, max: 5 } });
    const fast = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 7, ...options, delayProbability: 1, delayMs: { min: 0, max: 5 } });
    // Concurrent calls finish in any order, but each was planned when it was made.
    await Promise.allSettled(Array.from({ length: 50 }, (_, i) => slow.put(`k/${i}`, Uint8Array.of(i))));
    for (let i = 0; i < 50; i++) await fast.put(`k/${i}`, Uint8Array.of(i)).catch(() => {});
    const byCall = (events: FaultEvent[]) => [...events].sort((x, y) => x.call - y.call || x.kind.localeCompare(y.kind));
    expect(byCall(slow.events)).toEqual(byCall(fast.events));
  });

  it('injected errors are retriable and name the seed and call that reproduce them', async () => {
    const store = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 99, failProbability: 1 });
    const err = await store.put('x', Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect((err as ObjectStoreError).retriable).toBe(true);
    expect((err as Error).message).toContain('seed=99');
    expect((err as Error).message).toContain('call #0');
    expect((err as Error).message).toContain('"x"');
  });

  it('fail happens before the write: nothing reaches the inner store', async () => {
    const inner = new LocalStore(await tempDir());
    const store = new FaultInjectingStore(inner, { seed: 5, failProbability: 1 });
    await expect(store.put('a', Uint8Array.of(1))).rejects.toMatchObject({ kind: 'fail' });
    await expect(store.putIfAbsent('b', Uint8Array.of(1))).rejects.toMatchObject({ kind: 'fail' });
    expect(await inner.list('')).toEqual([]);
  });

  it('lost reply: the write happened although the caller got an error', async () => {
    const inner = new LocalStore(await tempDir());
    const store = new FaultInjectingStore(inner, { seed: 5, lostReplyProbability: 1 });
    await expect(store.putIfAbsent('manifest/1', Uint8Array.of(7))).rejects.toMatchObject({ kind: 'lost-reply', retriable: true });
    expect(await inner.get('manifest/1')).toEqual(Uint8Array.of(7));
    // The dangerous retry: the key now exists, so a naive retry reports a lost race.
    store.setEnabled(false);
    expect(await store.putIfAbsent('manifest/1', Uint8Array.of(7))).toBe(false);
    store.setEnabled(true);
    await expect(store.put('seg/1', Uint8Array.of(8))).rejects.toMatchObject({ kind: 'lost-reply' });
    expect(await inner.get('seg/1')).toEqual(Uint8Array.of(8));
    await expect(store.delete('seg/1')).rejects.toMatchObject({ kind: 'lost-reply' });
    expect(await inner.list('seg/')).toEqual([]);
    // Reads have no reply to lose beyond failing; they are never lost-reply.
    expect(await store.get('manifest/1')).toEqual(Uint8Array.of(7));
  });

  it('delays are drawn from the configured range', async () => {
    const store = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 3, delayMs: { min: 20, max: 30 } });
    const started = performance.now();
    await store.put('d', Uint8Array.of(1));
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
    expect(store.events).toHaveLength(1);
    expect(store.events[0]!.delayMs).toBeGreaterThanOrEqual(20);
    expect(store.events[0]!.delayMs).toBeLessThanOrEqual(30);
  });

  it('faults can be switched on and off at runtime and limited to some operations', async () => {
    const store = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 1, failProbability: 1, ops: ['put'], enabled: false });
    await store.put('a', Uint8Array.of(1));
    store.setEnabled(true);
    await expect(store.put('a', Uint8Array.of(2))).rejects.toBeInstanceOf(InjectedFaultError);
    expect(await store.get('a')).toEqual(Uint8Array.of(1));
    expect(await store.putIfAbsent('b', Uint8Array.of(1))).toBe(true);
    store.setEnabled(false);
    await store.put('a', Uint8Array.of(3));
    expect(await store.get('a')).toEqual(Uint8Array.of(3));
  });

  it('fails chosen keys by prefix, a number of times or until cleared', async () => {
    const store = new FaultInjectingStore(new LocalStore(await tempDir()), { seed: 1 });
    store.failKeys('manifest/', { count: 2 });
    await expect(store.putIfAbsent('manifest/1', Uint8Array.of(1))).rejects.toMatchObject({ kind: 'fail' });
    await store.put('segments/1', Uint8Array.of(1));
    await expect(store.get('manifest/1')).rejects.toMatchObject({ kind: 'fail' });
    expect(await store.putIfAbsent('manifest/1', Uint8Array.of(1))).toBe(true);
    store.failKeys('segments/', { kind: 'lost-reply', ops: ['put'] });
    await expect(store.put('segments/2', Uint8Array.of(2))).rejects.toMatchObject({ kind: 'lost-reply' });
    expect(await store.get('segments/2')).toEqual(Uint8Array.of(2));
    store.clearKeyFaults();
    await store.put('segments/3', Uint8Array.of(3));
  });

  it('crash makes every later call fail, including calls already waiting in a delay', async () => {
    const inner = new LocalStore(await tempDir());
    const store = new FaultInjectingStore(inner, { seed: 1, delayMs: { min: 30, max: 30 } });
    const waiting = store.put('late', Uint8Array.of(1));
    store.crash();
    expect(store.isCrashed).toBe(true);
    await expect(waiting).rejects.toMatchObject({ kind: 'crashed' });
    for (const call of [() => store.get('x'), () => store.put('x', Uint8Array.of(1)), () => store.putIfAbsent('x', Uint8Array.of(1)), () => store.list(''), () => store.delete('x')]) {
      await expect(call()).rejects.toMatchObject({ kind: 'crashed', retriable: true });
    }
    expect(await inner.list('')).toEqual([]);
    store.revive();
    store.setEnabled(false);
    await store.put('x', Uint8Array.of(1));
    expect(await inner.get('x')).toEqual(Uint8Array.of(1));
  });

  it('rejects nonsense options', () => {
    const inner = new LocalStore('/nonexistent-sluice');
    expect(() => new FaultInjectingStore(inner, { seed: 1, failProbability: 2 })).toThrow(RangeError);
    expect(() => new FaultInjectingStore(inner, { seed: 1, delayMs: { min: 5, max: 1 } })).toThrow(RangeError);
  });
});
