/**
 * The behaviour every ObjectStore promises, as one suite run against each
 * implementation and wrapper. `makeStore` returns a fresh, empty store.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../../broker/storage/keys.js';
import { type ObjectStore, ObjectNotFoundError } from '../../../broker/storage/object-store.js';

export interface ContractOptions {
  /** False for stores that accept IfNoneMatch without enforcing it (s3rver). */
  enforcesPutIfAbsent?: boolean;
  /** Property runs; S3 round trips are slower. */
  propertyRuns?: number;
  /** Keys written for the paging test: more than one list page of the store under test. */
  pagingKeys?: number;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

export function describeStoreContract(name: string, makeStore: () => Promise<ObjectStore>, options: ContractOptions = {}): void {
  const enforces = options.enforcesPutIfAbsent ?? true;
  describe(`ObjectStore contract: ${name}`, () => {
    const opened: ObjectStore[] = [];
    const open = async (): Promise<ObjectStore> => {
      const store = await makeStore();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close?.();
    });

    it('put then get returns the same bytes; put replaces', async () => {
      const store = await open();
      await store.put('topics/a/0001', text('hello'));
      expect(await store.get('topics/a/0001')).toEqual(text('hello'));
      await store.put('topics/a/0001', text('second version'));
      expect(await store.get('topics/a/0001')).toEqual(text('second version'));
    });

    it('stores empty and binary objects exactly', async () => {
      const store = await open();
      await store.put('empty', new Uint8Array(0));
      expect(await store.get('empty')).toEqual(new Uint8Array(0));
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('binary', all);
      expect(await store.get('binary')).toEqual(all);
    });

    it('put copies nothing from a view beyond its bounds', async () => {
      const store = await open();
      const backing = text('xxxxPAYLOADyyyy');
      await store.put('view', backing.subarray(4, 11));
      expect(await store.get('view')).toEqual(text('PAYLOAD'));
    });

    it('get of a missing key throws ObjectNotFoundError naming the key', async () => {
      const store = await open();
      await expect(store.get('nope/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.get('nope/missing')).rejects.toMatchObject({ key: 'nope/missing' });
      await expect(store.get('nope/missing', { start: 0, end: 4 })).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.get('nope/missing', { start: 2, end: 2 })).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('ranged get: [start, end), end clipped to the size, past the end is empty', async () => {
      const store = await open();
      await store.put('r', bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
      expect(await store.get('r', { start: 0, end: 10 })).toEqual(bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
      expect(await store.get('r', { start: 3, end: 6 })).toEqual(bytes(3, 4, 5));
      expect(await store.get('r', { start: 9, end: 10 })).toEqual(bytes(9));
      expect(await store.get('r', { start: 8, end: 100 })).toEqual(bytes(8, 9));
      expect(await store.get('r', { start: 4, end: 4 })).toEqual(new Uint8Array(0));
      expect(await store.get('r', { start: 10, end: 20 })).toEqual(new Uint8Array(0));
      expect(await store.get('r', { start: 15, end: 20 })).toEqual(new Uint8Array(0));
      await expect(store.get('r', { start: 5, end: 2 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get('r', { start: -1, end: 2 })).rejects.toBeInstanceOf(RangeError);
    });

    it('putIfAbsent writes once and then reports false without changing the object', async () => {
      const store = await open();
      expect(await store.putIfAbsent('manifest/00000001', text('first'))).toBe(true);
      expect(await store.get('manifest/00000001')).toEqual(text('first'));
      const second = await store.putIfAbsent('manifest/00000001', text('second'));
      if (enforces) {
        expect(second).toBe(false);
        expect(await store.get('manifest/00000001')).toEqual(text('first'));
      }
      expect(await store.putIfAbsent('manifest/00000002', text('other'))).toBe(true);
    });

    it('list is recursive, sorted by full key, filtered by prefix and strictly after `after`', async () => {
      const store = await open();
      const keys = ['b', 'a/b/c', 'a/b', 'a-c', 'a/a', 'ab', 'a/b/d/e', 'c/x', 'a/z'];
      // a/b cannot be both a file and a directory on a local disk: keep keys that both stores can hold.
      const holdable = keys.filter((k) => k !== 'a/b');
      for (const [i, key] of holdable.entries()) await store.put(key, new Uint8Array(i + 1));
      const all = await store.list('');
      expect(all.map((o) => o.key)).toEqual([...holdable].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect(all.find((o) => o.key === 'c/x')?.size).toBe(holdable.indexOf('c/x') + 1);
      expect((await store.list('a/')).map((o) => o.key)).toEqual(['a/a', 'a/b/c', 'a/b/d/e', 'a/z']);
      expect((await store.list('a')).map((o) => o.key)).toEqual(['a-c', 'a/a', 'a/b/c', 'a/b/d/e', 'a/z', 'ab']);
      expect((await store.list('a/b')).map((o) => o.key)).toEqual(['a/b/c', 'a/b/d/e']);
      expect((await store.list('a/', 'a/b/c')).map((o) => o.key)).toEqual(['a/b/d/e', 'a/z']);
      expect((await store.list('a/', 'a/b')).map((o) => o.key)).toEqual(['a/b/c', 'a/b/d/e', 'a/z']);
      expect((await store.list('', 'b')).map((o) => o.key)).toEqual(['c/x']);
      expect(await store.list('zzz')).toEqual([]);
      expect(await store.list('c/x/')).toEqual([]);
    });

    it('list pages through many keys in order', async () => {
      const store = await open();
      const keys = Array.from({ length: options.pagingKeys ?? 300 }, (_, i) => `seg/${String(i).padStart(6, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, bytes(1))));
      }
      const listed = await store.list('seg/');
      expect(listed.map((o) => o.key)).toEqual(keys);
      const mid = Math.floor(keys.length / 2);
      expect((await store.list('seg/', keys[mid])).map((o) => o.key)).toEqual(keys.slice(mid + 1));
    });

    it('delete removes, and deleting an absent key is not an error', async () => {
      const store = await open();
      await store.put('d/1', bytes(1));
      await store.delete('d/1');
      await expect(store.get('d/1')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await store.list('d/')).toEqual([]);
      await store.delete('d/1');
      await store.delete('never/existed');
      expect(await store.putIfAbsent('d/1', bytes(2))).toBe(true);
    });

    it('refuses keys that cannot be stored the same way everywhere', async () => {
      const store = await open();
      for (const key of ['', '/abs', 'trailing/', 'a//b', '../escape', 'a/./b', 'a/../b', '.sluice-tmp-x', 'nul\0']) {
        await expect(store.put(key, bytes(1)), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.get(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidKeyError);
      }
    });

    it('property: any object under any valid key round-trips whole and by range', async () => {
      const store = await open();
      // Few distinct directory names, so runs reuse directories instead of creating (and fsyncing) new ones.
      const segment = fc.constantFrom('a', 'b', 'x.y', 'k=v', '-_', 'Z9');
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { maxLength: 3 }),
          fc.uint8Array({ maxLength: 4096 }),
          fc.nat(),
          fc.nat(),
          async (segments, payload, a, b) => {
            // The file name "~n" is unique per run and never a directory name, so no key is a directory of another.
            const key = ['prop', ...segments, `~${n++}`].join('/');
            await store.put(key, payload);
            expect(await store.get(key)).toEqual(payload);
            const start = a % (payload.length + 1);
            const end = start + (b % (payload.length - start + 1));
            expect(await store.get(key, { start, end })).toEqual(payload.slice(start, end));
          },
        ),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}
