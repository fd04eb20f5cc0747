import { afterEach, describe, expect, test } from 'vitest';
import {
  FencedError,
  InvalidPartitionsError,
  InvalidProducerEpochError,
  InvalidTopicError,
  Log,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  TopicExistsError,
  UnknownPartitionError,
  UnknownProducerIdError,
  UnknownTopicError,
} from '../../../broker/log/index.js';
import { LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT } from '../../../broker/constants.js';
import { MANIFEST_PREFIX, MANIFEST_VERSION, encodeEntry } from '../../../broker/log/manifest.js';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import type { ByteRange, ObjectInfo, ObjectStore } from '../../../broker/storage/object-store.js';
import { batchOf, logsOnTempStore, recordsOf, tempStore } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { flushMaxBytes?: number; flushIntervalMs?: number; tailCacheMaxBytes?: number } = {}) {
  const { store, open } = logsOnTempStore('log', cleanups, opts);
  return { store, open, log: await open() };
}

async function segmentCount(store: { list(p: string): Promise<unknown[]> }): Promise<number> {
  return (await store.list('segments/')).length;
}

describe('topics', () => {
  test('create, list, describe, delete, and errors', async () => {
    const { log, open } = await setup();
    const info = await log.createTopic('orders', 4, { retentionMs: 1000 });
    expect(info).toMatchObject({ name: 'orders', partitions: 4, config: { retentionMs: 1000, retentionBytes: -1 } });
    expect(info.topicId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(log.createTopic('orders', 1)).rejects.toBeInstanceOf(TopicExistsError);
    await expect(log.createTopic('bad name', 1)).rejects.toBeInstanceOf(InvalidTopicError);
    await expect(log.createTopic('x'.repeat(250), 1)).rejects.toBeInstanceOf(InvalidTopicError);
    await expect(log.createTopic('..', 1)).rejects.toBeInstanceOf(InvalidTopicError);
    await expect(log.createTopic('zero', 0)).rejects.toBeInstanceOf(InvalidPartitionsError);
    await expect(log.createTopic('huge', 100_000)).rejects.toBeInstanceOf(InvalidPartitionsError);
    await log.createTopic('other', 1);
    expect(log.listTopics().map((t) => t.name).sort()).toEqual(['orders', 'other']);
    await log.deleteTopic('other');
    await expect(log.deleteTopic('other')).rejects.toBeInstanceOf(UnknownTopicError);
    await log.close();
    const again = await open();
    expect(again.listTopics().map((t) => t.name)).toEqual(['orders']);
    expect(again.getTopic('orders')).toEqual(info);
  });

  test('append and read errors', async () => {
    const { log } = await setup();
    await log.createTopic('t', 2, { maxMessageBytes: 200 });
    await expect(log.append('nope', 0, batchOf(['a']))).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(log.append('t', 2, batchOf(['a']))).rejects.toBeInstanceOf(UnknownPartitionError);
    await expect(log.append('t', 0, batchOf(['x'.repeat(300)]))).rejects.toBeInstanceOf(RecordTooLargeError);
    await expect(log.read('t', 5, 0n, 100)).rejects.toBeInstanceOf(UnknownPartitionError);
    await log.append('t', 0, batchOf(['a', 'b']));
    await expect(log.read('t', 0, 3n, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(log.read('t', 0, -1n, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.read('t', 0, 2n, 100)).records).toEqual([]);
  });

  test('a deleted and recreated topic starts again at offset 0', async () => {
    const { log } = await setup();
    await log.createTopic('t', 1);
    await log.append('t', 0, batchOf(['a', 'b']));
    await log.deleteTopic('t');
    await expect(log.append('t', 0, batchOf(['a']))).rejects.toBeInstanceOf(UnknownTopicError);
    await log.createTopic('t', 1);
    expect((await log.append('t', 0, batchOf(['c']))).baseOffset).toBe(0n);
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['c']);
  });
});

describe('append and read', () => {
  test('many partitions round trip, concurrently, into few segments', async () => {
    const { log, store, open } = await setup({ flushIntervalMs: 20 });
    const partitions = 16;
    await log.createTopic('t', partitions);
    const before = await segmentCount(store);
    const writes: Promise<unknown>[] = [];
    for (let p = 0; p < partitions; p++) for (let i = 0; i < 5; i++) writes.push(log.append('t', p, batchOf([`p${p}-${i}a`, `p${p}-${i}b`])));
    const results = (await Promise.all(writes)) as { baseOffset: bigint }[];
    // Offsets per partition follow the order of the calls.
    for (let p = 0; p < partitions; p++) expect(results.slice(p * 5, p * 5 + 5).map((r) => r.baseOffset)).toEqual([0n, 2n, 4n, 6n, 8n]);
    // 80 appends, one 20 ms window: a handful of segment objects, not 80.
    expect((await segmentCount(store)) - before).toBeLessThanOrEqual(3);
    const check = async (l: Log) => {
      for (let p = 0; p < partitions; p++) {
        expect(l.highWatermark('t', p)).toBe(10n);
        const got = recordsOf((await l.read('t', p, 0n, 1 << 20)).records);
        expect(got.map((r) => r.offset)).toEqual([...Array(10).keys()].map(BigInt));
        expect(got.map((r) => r.value)).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`p${p}-${i}a`, `p${p}-${i}b`]));
      }
    };
    await check(log);
    await log.close();
    // Cold: a new Log on the same bucket, no tail cache: every read is a ranged GET.
    await check(await open({ tailCacheMaxBytes: 0 }));
  });

  test('flushes by size without waiting for the interval', async () => {
    const { log: first, store, open } = await setup();
    await first.createTopic('t', 1);
    await first.close();
    // An interval far past the test's own timeout: the first two resolving proves the size bound sent them.
    const log = await open({ flushMaxBytes: 1000, flushIntervalMs: 600_000 });
    const before = await segmentCount(store);
    const big = 'x'.repeat(600);
    let thirdDone = false;
    const appends = [log.append('t', 0, batchOf([big])), log.append('t', 0, batchOf([big])), log.append('t', 0, batchOf([big]))];
    void appends[2]!.then(() => (thirdDone = true));
    // Each 600-byte batch plus the next passes the 1000-byte bound: the first two go at once.
    expect((await appends[0]!).baseOffset).toBe(0n);
    expect((await appends[1]!).baseOffset).toBe(1n);
    expect((await segmentCount(store)) - before).toBe(2);
    // The third is alone below the bound and waits for the time bound, or for flush().
    await new Promise((r) => setTimeout(r, 50));
    expect(thirdDone).toBe(false);
    await log.flush();
    expect((await appends[2]!).baseOffset).toBe(2n);
    expect((await segmentCount(store)) - before).toBe(3);
  });

  test('flushes by time: one segment per interval, not per append', async () => {
    const { log, store } = await setup({ flushIntervalMs: 50 });
    await log.createTopic('t', 1);
    const before = await segmentCount(store);
    const started = Date.now();
    const results = await Promise.all([...Array(20).keys()].map((i) => log.append('t', 0, batchOf([`v${i}`]))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(results.map((r) => r.baseOffset)).toEqual([...Array(20).keys()].map(BigInt));
    expect((await segmentCount(store)) - before).toBe(1);
  });

  test('reads span segments, respect maxBytes and never return only batches ending before the offset', async () => {
    const { log, open } = await setup();
    await log.createTopic('t', 1);
    for (let i = 0; i < 10; i++) await log.append('t', 0, batchOf([`a${i}`, `b${i}`, `c${i}`])); // 10 segments, 3 records each
    const all = recordsOf((await log.read('t', 0, 0n, 1 << 20)).records);
    expect(all).toHaveLength(30);
    for (const l of [log, await open({ tailCacheMaxBytes: 0 })]) {
      // Offset 4 is inside the second batch: it comes first, whole.
      const one = await l.read('t', 0, 4n, 1);
      expect(one.records).toHaveLength(1);
      expect(recordsOf(one.records).map((r) => r.offset)).toEqual([3n, 4n, 5n]);
      const some = await l.read('t', 0, 13n, 250);
      const offs = recordsOf(some.records).map((r) => r.offset);
      expect(offs[0]).toBe(12n);
      expect(offs.length).toBeLessThan(18);
      const tail = await l.read('t', 0, 29n, 1 << 20);
      expect(recordsOf(tail.records).map((r) => r.value)).toEqual(['a9', 'b9', 'c9']);
      expect(tail.highWatermark).toBe(30n);
      expect(tail.logStartOffset).toBe(0n);
    }
  });

  test('multi-batch record sets get consecutive offsets', async () => {
    const { log } = await setup();
    await log.createTopic('t', 1);
    const a = batchOf(['1', '2']);
    const b = batchOf(['3']);
    const set = new Uint8Array(a.byteLength + b.byteLength);
    set.set(a);
    set.set(b, a.byteLength);
    expect((await log.append('t', 0, set)).baseOffset).toBe(0n);
    expect((await log.append('t', 0, batchOf(['4']))).baseOffset).toBe(3n);
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records).map((r) => [r.offset, r.value])).toEqual([
      [0n, '1'],
      [1n, '2'],
      [2n, '3'],
      [3n, '4'],
    ]);
  });

  test('offsetForTimestamp finds the first batch at or after the time', async () => {
    const { log } = await setup();
    await log.createTopic('t', 1);
    await log.append('t', 0, batchOf(['a', 'b'], { timestampMs: 1000n }));
    await log.append('t', 0, batchOf(['c'], { timestampMs: 2000n }));
    await log.append('t', 0, batchOf(['d'], { timestampMs: 3000n }));
    expect(await log.offsetForTimestamp('t', 0, 0n)).toEqual({ offset: 0n, timestampMs: 1000n });
    expect(await log.offsetForTimestamp('t', 0, 1500n)).toEqual({ offset: 2n, timestampMs: 2000n });
    expect(await log.offsetForTimestamp('t', 0, 3000n)).toEqual({ offset: 3n, timestampMs: 3000n });
    expect(await log.offsetForTimestamp('t', 0, 3001n)).toBeNull();
  });

  test('waitForData resolves on new data, on timeout, and on abort', async () => {
    const { log } = await setup();
    await log.createTopic('t', 2);
    // Waits far past the test's own timeout: resolving at all proves the data or the abort did it.
    const FOREVER_MS = 600_000;
    const waiting = log.waitForData([{ topic: 't', partition: 1, offset: 0n }], FOREVER_MS);
    setTimeout(() => void log.append('t', 1, batchOf(['x'])), 30);
    await waiting;
    expect(log.highWatermark('t', 1)).toBe(1n);
    const t0 = Date.now();
    await log.waitForData([{ topic: 't', partition: 0, offset: 0n }], 80);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await log.waitForData([{ topic: 't', partition: 0, offset: 0n }], FOREVER_MS, ac.signal);
    expect(ac.signal.aborted).toBe(true);
    // Already past: immediate.
    await log.waitForData([{ topic: 't', partition: 1, offset: 0n }], 5000);
  });
});

describe('idempotent producers', () => {
  test('dedup, gaps, epochs and unknown ids, across a restart', async () => {
    const { log, open } = await setup();
    await log.createTopic('t', 1);
    const { producerId, producerEpoch } = await log.allocateProducerId();
    const second = await log.allocateProducerId();
    expect(second.producerId).toBe(producerId + 1n);
    const b0 = batchOf(['a', 'b', 'c'], { producerId, producerEpoch, baseSequence: 0 });
    const b3 = batchOf(['d'], { producerId, producerEpoch, baseSequence: 3 });
    expect(await log.append('t', 0, b0)).toMatchObject({ baseOffset: 0n });
    expect((await log.append('t', 0, b0)).duplicate).toBe(true);
    expect(await log.append('t', 0, b3)).toMatchObject({ baseOffset: 3n });
    expect(await log.append('t', 0, b0)).toMatchObject({ baseOffset: 0n, duplicate: true });
    await expect(log.append('t', 0, batchOf(['x'], { producerId, producerEpoch, baseSequence: 9 }))).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    await expect(log.append('t', 0, batchOf(['x'], { producerId: 999n, producerEpoch: 0, baseSequence: 0 }))).rejects.toBeInstanceOf(UnknownProducerIdError);
    expect(log.highWatermark('t', 0)).toBe(4n);
    // A retry of a batch still in the buffer gets the same offset once the original is durable.
    const b4 = batchOf(['e'], { producerId, producerEpoch, baseSequence: 4 });
    const [r1, r2] = await Promise.all([log.append('t', 0, b4), log.append('t', 0, b4)]);
    expect(r1).toMatchObject({ baseOffset: 4n });
    expect(r2).toMatchObject({ baseOffset: 4n, duplicate: true });
    await log.close();

    const again = await open();
    expect(await again.append('t', 0, b3)).toMatchObject({ baseOffset: 3n, duplicate: true });
    expect(await again.append('t', 0, batchOf(['f'], { producerId, producerEpoch, baseSequence: 5 }))).toMatchObject({ baseOffset: 5n });
    // A bumped epoch starts again at sequence 0; the old epoch is then refused.
    expect(await again.append('t', 0, batchOf(['g'], { producerId, producerEpoch: 1, baseSequence: 0 }))).toMatchObject({ baseOffset: 6n });
    await expect(again.append('t', 0, batchOf(['h'], { producerId, producerEpoch: 0, baseSequence: 6 }))).rejects.toBeInstanceOf(InvalidProducerEpochError);
    // Ids are never handed out twice across restarts.
    expect((await again.allocateProducerId()).producerId).toBe(producerId + 2n);
    expect(recordsOf((await again.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});

describe('fencing', () => {
  test('a newer Log fences the older one; nothing the older one acknowledged is lost', async () => {
    const { log: older, open } = await setup({ flushIntervalMs: 100 });
    await older.createTopic('t', 1);
    expect((await older.append('t', 0, batchOf(['acked']))).baseOffset).toBe(0n);
    const pending = older.append('t', 0, batchOf(['pending']));
    const newer = await open({ flushIntervalMs: 5 });
    await expect(pending).rejects.toBeInstanceOf(FencedError);
    expect(older.fenced).toBe(true);
    await expect(older.append('t', 0, batchOf(['late']))).rejects.toBeInstanceOf(FencedError);
    await expect(older.createTopic('u', 1)).rejects.toBeInstanceOf(FencedError);
    expect(newer.fenced).toBe(false);
    expect(newer.brokerEpoch).toBeGreaterThan(older.brokerEpoch);
    expect(recordsOf((await newer.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['acked']);
    expect((await newer.append('t', 0, batchOf(['next']))).baseOffset).toBe(1n);
  });
});

/** A manifest that some other broker always writes first: every sequence number is taken, and never shows up in a listing. */
class AlwaysTakenManifest implements ObjectStore {
  manifestWrites = 0;
  private readonly foreign = encodeEntry({ v: MANIFEST_VERSION, seq: 0, epoch: 1, writer: 'someone else', ops: [] });
  constructor(private readonly inner: ObjectStore) {}
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    if (!key.startsWith(MANIFEST_PREFIX)) return this.inner.putIfAbsent(key, bytes);
    this.manifestWrites++;
    return Promise.resolve(false);
  }
  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return key.startsWith(MANIFEST_PREFIX) ? Promise.resolve(this.foreign) : this.inner.get(key, range);
  }
  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.inner.put(key, bytes);
  }
  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix, after);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

describe('claiming an epoch', () => {
  test(`gives up after LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT (${LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT}) sequence numbers taken by others`, async () => {
    const t = tempStore('log-claim');
    cleanups.push(t.cleanup);
    const store = new AlwaysTakenManifest(t.store);
    await expect(Log.open({ store, maintenanceIntervalMs: 0 })).rejects.toThrow(/could not claim a broker epoch/);
    expect(store.manifestWrites).toBe(LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT);
  });
});

describe('fencing of an idle broker', () => {
  test('learns it was fenced without writing', async () => {
    const { log: older, open } = await setup();
    await older.createTopic('t', 1);
    await open();
    expect(older.fenced).toBe(false);
    const t0 = Date.now();
    while (!older.fenced && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(older.fenced).toBe(true);
  });
});

describe('reads from the bucket', () => {
  /** A cold log over `chunks` flushed chunks of 2 batches each in t-0, on a counting store. */
  async function coldLog(chunks: number, opts: { tailCacheMaxBytes?: number } = {}) {
    const t = tempStore('log-reads');
    const writer = await Log.open({ store: t.store, flushIntervalMs: 20, maintenanceIntervalMs: 0 });
    await writer.createTopic('t', 1);
    await writer.createTopic('tail', 1);
    for (let c = 0; c < chunks; c++) await Promise.all([0, 1].map((b) => writer.append('t', 0, batchOf([...Array(10).keys()].map((i) => `c${c}-b${b}-${i}`)))));
    await writer.close();
    const store = new CountingStore(t.store);
    const log = await Log.open({ store, flushIntervalMs: 20, maintenanceIntervalMs: 0, ...opts });
    cleanups.push(async () => {
      await log.close();
      t.cleanup();
    });
    store.reset();
    return { log, store };
  }
  /** Every batch of t-0 is this long: ten values of the same length. */
  const batchBytes = batchOf([...Array(10).keys()].map((i) => `c0-b0-${i}`)).byteLength;
  const lastOffset = (batches: Uint8Array[]): bigint => recordsOf(batches).at(-1)!.offset;

  test('a read stopping inside a chunk leaves it for the next read, which GETs it no second time', async () => {
    const { log, store } = await coldLog(6);
    let next = 0n;
    const seen: string[] = [];
    // Three batches per read: every other read stops inside a chunk.
    while (next < 120n) {
      const r = await log.read('t', 0, next, 3 * batchBytes);
      for (const rec of recordsOf(r.records)) if (rec.offset >= next) seen.push(rec.value);
      next = lastOffset(r.records) + 1n;
    }
    expect(seen).toEqual([...Array(6).keys()].flatMap((c) => [0, 1].flatMap((b) => [...Array(10).keys()].map((i) => `c${c}-b${b}-${i}`))));
    expect(store.snapshot().get.requests).toBe(6);
  });

  test('a read whose caller took only part of what it gave finds the rest kept, and lets go of what it passed', async () => {
    const { log, store } = await coldLog(6);
    // A pipeline step reads far ahead and takes a few records: its next read starts inside chunk 1.
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records)).toHaveLength(120);
    expect(store.snapshot().get.requests).toBe(6);
    expect(recordsOf((await log.read('t', 0, 25n, 1 << 20)).records).at(-1)!.offset).toBe(119n);
    expect(store.snapshot().get.requests).toBe(6);
    // Chunk 0 ends before that read started: it was let go, and reading it again costs a GET.
    expect(recordsOf((await log.read('t', 0, 0n, 3 * batchBytes)).records)[0]!.offset).toBe(0n);
    expect(store.snapshot().get.requests).toBe(7);
  });

  test('a consumer catching up on old chunks does not push the flushed tail out of the cache', async () => {
    // The cache holds about four chunks: the catch-up read goes through six.
    const { log, store } = await coldLog(6, { tailCacheMaxBytes: 9 * batchBytes });
    await log.append('tail', 0, batchOf(['fresh-1']));
    await log.append('tail', 0, batchOf(['fresh-2']));
    store.reset();
    let next = 0n;
    while (next < 120n) {
      next = lastOffset((await log.read('t', 0, next, 3 * batchBytes)).records) + 1n;
    }
    expect(store.snapshot().get.requests).toBe(6);
    const tail = await log.read('tail', 0, 0n, 1 << 20);
    expect(recordsOf(tail.records).map((r) => r.value)).toEqual(['fresh-1', 'fresh-2']);
    expect(store.snapshot().get.requests).toBe(6);
  });
});

describe('object requests', () => {
  test('one segment PUT and one manifest putIfAbsent per flush', async () => {
    const t = tempStore('log-count');
    const store = new CountingStore(t.store);
    const log = await Log.open({ store, flushIntervalMs: 20, maintenanceIntervalMs: 0 });
    cleanups.push(async () => {
      await log.close();
      t.cleanup();
    });
    await log.createTopic('t', 8);
    const before = store.snapshot();
    await Promise.all([...Array(8).keys()].flatMap((p) => [log.append('t', p, batchOf(['a'])), log.append('t', p, batchOf(['b']))]));
    const after = store.snapshot();
    expect(after.put.requests - before.put.requests).toBe(1);
    expect(after.putIfAbsent.requests - before.putIfAbsent.requests).toBe(1);
  });
});
