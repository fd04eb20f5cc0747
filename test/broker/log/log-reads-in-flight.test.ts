/**
 * Chunk GETs one read has in flight (LOG_READ_CHUNKS_IN_FLIGHT_MAX): a read spanning many chunks
 * fetches them together, never more than the bound at once, and returns them in offset order;
 * a read that wants one batch fetches one chunk.
 */
import { afterEach, expect, test } from 'vitest';
import { LOG_READ_CHUNKS_IN_FLIGHT_MAX } from '../../../broker/constants.js';
import { Log } from '../../../broker/log/index.js';
import type { ByteRange, ObjectInfo, ObjectStore } from '../../../broker/storage/object-store.js';
import { batchOf, recordsOf, tempStore } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Holds segment GETs (while gating) until the test releases them; counts how many wait at once. */
class HeldGetStore implements ObjectStore {
  readonly held: (() => void)[] = [];
  gating = false;
  maxInFlight = 0;
  #inFlight = 0;
  constructor(private readonly inner: ObjectStore) {}

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (!this.gating || !key.startsWith('segments/')) return this.inner.get(key, range);
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      await new Promise<void>((r) => this.held.push(r));
      return await this.inner.get(key, range);
    } finally {
      this.#inFlight--;
    }
  }
  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix, after);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, bytes);
  }
  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.inner.put(key, bytes);
  }
}

/** Lets queued I/O callbacks and immediates run a few times: what could start, has. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
}

async function setup(chunks: number): Promise<{ log: Log; store: HeldGetStore }> {
  const t = tempStore('reads-in-flight');
  const store = new HeldGetStore(t.store);
  const log = await Log.open({ store, maintenanceIntervalMs: 0, tailCacheMaxBytes: 0 });
  cleanups.push(async () => {
    store.gating = false;
    for (const r of store.held.splice(0)) r();
    await log.close();
    t.cleanup();
  });
  await log.createTopic('t', 1);
  for (let i = 0; i < chunks; i++) await log.append('t', 0, batchOf([`a${i}`, `b${i}`])); // one chunk each
  store.gating = true;
  return { log, store };
}

test(`a read over many chunks has at most ${LOG_READ_CHUNKS_IN_FLIGHT_MAX} of their GETs in flight and returns them in order`, async () => {
  const chunks = 2 * LOG_READ_CHUNKS_IN_FLIGHT_MAX + 3;
  const { log, store } = await setup(chunks);
  const read = log.read('t', 0, 0n, 1 << 20);
  let settled = false;
  void read.then(() => (settled = true), () => (settled = true));
  let waves = 0;
  while (!settled) {
    await settle();
    if (store.held.length === 0) continue;
    waves++;
    expect(store.held.length).toBeLessThanOrEqual(LOG_READ_CHUNKS_IN_FLIGHT_MAX);
    for (const r of store.held.splice(0)) r();
  }
  expect(store.maxInFlight).toBe(LOG_READ_CHUNKS_IN_FLIGHT_MAX);
  expect(waves).toBe(Math.ceil(chunks / LOG_READ_CHUNKS_IN_FLIGHT_MAX));
  expect(recordsOf((await read).records).map((r) => r.value)).toEqual(Array.from({ length: chunks }, (_, i) => [`a${i}`, `b${i}`]).flat());
});

test('a read that wants one batch fetches one chunk', async () => {
  const { log, store } = await setup(5);
  const read = log.read('t', 0, 2n, 1);
  await settle();
  expect(store.held.length).toBe(1);
  for (const r of store.held.splice(0)) r();
  expect(recordsOf((await read).records).map((r) => r.value)).toEqual(['a1', 'b1']);
  expect(store.maxInFlight).toBe(1);
});
