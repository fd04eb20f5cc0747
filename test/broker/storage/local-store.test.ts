import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCAL_STORE_DIR_HANDLES_MAX_COUNT, LOCAL_STORE_READ_HANDLES_MAX_COUNT, LOCAL_STORE_TEMP_PREFIX } from '../../../broker/constants.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { ObjectStoreError } from '../../../broker/storage/object-store.js';
import { tempDirsForFile } from '../../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const tempDir = tempDirsForFile('local-store');

describeStoreContract('LocalStore', async () => new LocalStore(await tempDir()));

/** Every file under `dir`, recursively, as paths relative to it. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('LocalStore on disk', () => {
  it('maps keys with / to subdirectories and leaves no temporary files behind', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('topics/orders/segments/0001', Uint8Array.of(1, 2, 3));
    expect(await store.putIfAbsent('manifest/0001', Uint8Array.of(4))).toBe(true);
    expect(await store.putIfAbsent('manifest/0001', Uint8Array.of(5))).toBe(false);
    expect((await allFiles(root)).sort()).toEqual(['manifest/0001', 'topics/orders/segments/0001']);
  });

  it('never lists temporary files of writes in progress', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('dir/real', Uint8Array.of(1));
    // What a crashed writer leaves behind.
    await writeFile(path.join(root, 'dir', `${LOCAL_STORE_TEMP_PREFIX}123-1-abcd`), 'partial');
    await writeFile(path.join(root, `${LOCAL_STORE_TEMP_PREFIX}9-9-ffff`), 'partial');
    expect((await store.list('')).map((o) => o.key)).toEqual(['dir/real']);
    expect((await store.list('dir/')).map((o) => o.key)).toEqual(['dir/real']);
  });

  it('a key that is also a directory of other keys is not found, not a crash', async () => {
    const store = new LocalStore(await tempDir());
    await store.put('a/b/c', Uint8Array.of(1));
    await expect(store.get('a/b')).rejects.toMatchObject({ name: 'ObjectNotFoundError' });
    await expect(store.put('a/b', Uint8Array.of(1))).rejects.toBeInstanceOf(ObjectStoreError);
    expect((await store.list('')).map((o) => o.key)).toEqual(['a/b/c']);
  });

  it('a new store on the same directory sees everything written before (recovery from the bucket alone)', async () => {
    const root = await tempDir();
    const first = new LocalStore(root);
    await first.put('x/1', Uint8Array.of(7));
    await first.close();
    const second = new LocalStore(root);
    expect(await second.get('x/1')).toEqual(Uint8Array.of(7));
    expect(await second.putIfAbsent('x/1', Uint8Array.of(8))).toBe(false);
  });

  it('concurrent putIfAbsent of one key from many async calls: exactly one wins, the object is whole', async () => {
    const store = new LocalStore(await tempDir());
    for (let round = 0; round < 5; round++) {
      const key = `race/${round}`;
      const writers = 32;
      const payloads = Array.from({ length: writers }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
      const results = await Promise.all(payloads.map((p) => store.putIfAbsent(key, p)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get(key)).toEqual(payloads[winners[0]!]);
    }
  });

  it('concurrent putIfAbsent from two processes: exactly one wins per key, each object whole', async () => {
    const modulePath = path.join(repoRoot, 'dist/broker/storage/local-store.js');
    expect(existsSync(modulePath), `${modulePath} missing: run npm run build first`).toBe(true);
    const root = await tempDir();
    const keyCount = 200;
    const payloadBytes = 32 * 1024;
    const startAt = Date.now() + 700;
    const child = (id: number) =>
      new Promise<{ id: number; won: number[] }>((resolve, reject) => {
        const proc = spawn(
          process.execPath,
          [path.join(here, 'fixtures/put-if-absent-race.mjs'), modulePath, root, String(id), String(keyCount), String(payloadBytes), String(startAt)],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        proc.stdout.on('data', (d: Buffer) => (out += d));
        proc.stderr.on('data', (d: Buffer) => (err += d));
        const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        proc.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(JSON.parse(out) as { id: number; won: number[] });
          else reject(new Error(`child ${id} exited ${code}: ${err}`));
        });
      });
    const [a, b] = await Promise.all([child(1), child(2)]);
    const owner = new Map<number, number>();
    for (const r of [a, b]) for (const k of r.won) {
      expect(owner.has(k), `key ${k} won twice`).toBe(false);
      owner.set(k, r.id);
    }
    expect(owner.size).toBe(keyCount);
    const store = new LocalStore(root);
    for (let k = 0; k < keyCount; k++) {
      const got = await store.get(`race/${String(k).padStart(4, '0')}`);
      expect(got.byteLength).toBe(payloadBytes);
      expect(got.every((v) => v === owner.get(k))).toBe(true);
    }
    expect(await store.list('race/')).toHaveLength(keyCount);
  });

  it('put is atomic: concurrent readers see the old or the new object, never a part', async () => {
    const store = new LocalStore(await tempDir());
    const size = 1024 * 1024;
    const versions = [1, 2, 3, 4, 5, 6].map((v) => Buffer.alloc(size, v));
    await store.put('big', versions[0]!);
    let writing = true;
    let reads = 0;
    const readers = Array.from({ length: 3 }, async () => {
      while (writing) {
        const got = Buffer.from(await store.get('big'));
        reads++;
        const first = got[0]!;
        expect(first >= 1 && first <= 6).toBe(true);
        // A torn read would be shorter or mix two fill values.
        expect(got.equals(versions[first - 1]!)).toBe(true);
      }
    });
    for (const v of versions.slice(1)) await store.put('big', v);
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
    expect(Buffer.from(await store.get('big')).equals(versions[5]!)).toBe(true);
  });
  it('keeps at most LOCAL_STORE_READ_HANDLES_MAX_COUNT objects open for ranged reads, and closes them all on close', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    const openFds = async () => (await readdir('/proc/self/fd')).length;
    const objects = LOCAL_STORE_READ_HANDLES_MAX_COUNT * 2;
    for (let i = 0; i < objects; i++) await store.put(`s/${i}`, Uint8Array.from({ length: 16 }, (_, j) => i + j));
    const before = await openFds();
    // All at once, twice over: descriptors are evicted while other reads still use them.
    const reads = await Promise.all(Array.from({ length: objects * 2 }, (_, n) => store.get(`s/${n % objects}`, { start: 2, end: 6 })));
    reads.forEach((r, n) => expect(Array.from(r)).toEqual([2, 3, 4, 5].map((j) => (n % objects) + j)));
    expect(store.openReadHandleCount).toBe(LOCAL_STORE_READ_HANDLES_MAX_COUNT);
    // Evicted descriptors close once their reads end.
    await new Promise((r) => setTimeout(r, 50));
    expect(await openFds()).toBeLessThanOrEqual(before + LOCAL_STORE_READ_HANDLES_MAX_COUNT);
    // A range past the end is cut at the end, as without a kept descriptor.
    expect(Array.from(await store.get('s/1', { start: 14, end: 100 }))).toEqual([15, 16]);
    await store.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(store.openReadHandleCount).toBe(0);
    expect(await openFds()).toBeLessThanOrEqual(before);
  });

  it('reads by range what a put or delete of the same key left, never the object it replaced', async () => {
    const store = new LocalStore(await tempDir());
    await store.put('k', Uint8Array.of(1, 2, 3, 4));
    expect(Array.from(await store.get('k', { start: 1, end: 3 }))).toEqual([2, 3]);
    await store.put('k', Uint8Array.of(9, 8, 7, 6, 5));
    expect(Array.from(await store.get('k', { start: 1, end: 5 }))).toEqual([8, 7, 6, 5]);
    await store.delete('k');
    await expect(store.get('k', { start: 0, end: 1 })).rejects.toThrow(/not found/);
    expect(await store.putIfAbsent('k', Uint8Array.of(42))).toBe(true);
    expect(Array.from(await store.get('k', { start: 0, end: 1 }))).toEqual([42]);
    await store.close();
  });

  it('keeps at most LOCAL_STORE_DIR_HANDLES_MAX_COUNT directory handles for fsync, even with writes to more directories in flight', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    const dirs = LOCAL_STORE_DIR_HANDLES_MAX_COUNT * 3;
    // All at once: handles are evicted while other writes still use them.
    await Promise.all(
      Array.from({ length: dirs }, async (_, i) => {
        await store.put(`d${i}/a`, Uint8Array.of(i));
        expect(await store.putIfAbsent(`d${i}/b`, Uint8Array.of(i, i))).toBe(true);
        await store.delete(`d${i}/a`);
      }),
    );
    expect(store.openDirHandleCount).toBeLessThanOrEqual(LOCAL_STORE_DIR_HANDLES_MAX_COUNT);
    expect(store.openDirHandleCount).toBeGreaterThan(0);
    for (let i = 0; i < dirs; i++) {
      expect(Array.from(await store.get(`d${i}/b`))).toEqual([i, i]);
      expect(await store.list(`d${i}/`)).toEqual([{ key: `d${i}/b`, size: 2 }]);
    }
    await store.close();
    expect(store.openDirHandleCount).toBe(0);
    // Still usable after close (handles are opened again), like before.
    await store.put('d0/c', Uint8Array.of(9));
    expect(Array.from(await store.get('d0/c'))).toEqual([9]);
    await store.close();
  });
});
