/**
 * Flushes in flight at once (flushesInFlightMaxCount: LOG_FLUSHES_IN_FLIGHT_MAX_COUNT on a local
 * disk, LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT for S3): the next segment is written while the flush
 * ahead commits, but entries are written, and appends resolve, strictly in order, and a failed
 * flush takes every flush behind it down with it (offsets stay dense).
 */
import { afterEach, expect, test } from 'vitest';
import { LOG_ACK_CHUNK_COUNT, LOG_FLUSHES_IN_FLIGHT_MAX_COUNT, LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT } from '../../../broker/constants.js';
import { Log, StorageError } from '../../../broker/log/index.js';
import { ObjectStoreError, type ByteRange, type ObjectInfo, type ObjectStore } from '../../../broker/storage/object-store.js';
import { batchOf, recordsOf, tempStore } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Holds every segment PUT until the test releases or fails it; records what reached the inner store, in order. */
class GatedStore implements ObjectStore {
  readonly held: { key: string; release: () => void; fail: (err: Error) => void }[] = [];
  readonly events: string[] = [];
  gating = true;
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly inner: ObjectStore) {}

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.inner.get(key, range);
  }
  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix, after);
  }
  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
    this.events.push(`delete ${key}`);
  }
  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const written = await this.inner.putIfAbsent(key, bytes);
    this.events.push(`entry ${key}`);
    return written;
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (!key.startsWith('segments/') || !this.gating) {
      await this.inner.put(key, bytes);
      this.events.push(`put ${key}`);
      return;
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((release, fail) => this.held.push({ key, release, fail }));
      await this.inner.put(key, bytes);
      this.events.push(`put ${key}`);
    } finally {
      this.inFlight--;
    }
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting until ${what}`);
}

const settle = () => new Promise((r) => setTimeout(r, 50));

async function setup(flushesInFlightMaxCount = LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT): Promise<{ gated: GatedStore; log: Log; inner: ObjectStore }> {
  const t = tempStore('log-flushes');
  cleanups.push(t.cleanup);
  const first = await Log.open({ store: t.store, maintenanceIntervalMs: 0 });
  await first.createTopic('t', 1);
  await first.close();
  const gated = new GatedStore(t.store);
  // Each 600-byte batch plus the next passes the 1000-byte bound: every append fills a flush of its own.
  const log = await Log.open({ store: gated, maintenanceIntervalMs: 0, flushMaxBytes: 1000, flushIntervalMs: 60_000, flushesInFlightMaxCount });
  cleanups.push(() => log.close().catch(() => undefined));
  gated.events.length = 0;
  return { gated, log, inner: t.store };
}

test('full buffers: the next segment is written while the flush ahead commits; entries and acknowledgements stay in order', async () => {
  expect(LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT).toBe(2); // the counts below assume it
  const { gated, log, inner } = await setup();
  const resolved: number[] = [];
  const appends = [...Array(6).keys()].map((i) => log.append('t', 0, batchOf([`${i}`.repeat(600)])).then((r) => (resolved.push(i), r)));

  // Two flushes are in flight, the other appends wait in the buffer: the bound holds.
  await until('two segment PUTs are held', () => gated.held.length === 2);
  await settle();
  expect(gated.held.length).toBe(LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT);
  expect(gated.maxInFlight).toBe(LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT);

  // The second segment lands first: its entry still waits for the flush ahead.
  gated.held[1]!.release();
  await until('the second segment is written', () => gated.events.length === 1);
  await settle();
  expect(gated.events).toEqual([`put ${gated.held[1]!.key}`]);
  expect(resolved).toEqual([]);

  // Let everything through.
  gated.gating = false;
  for (const h of gated.held) h.release();
  // The last append alone stays below the size bound: flush() instead of the minute-long time bound.
  const [results] = await Promise.all([Promise.all(appends), log.flush()]);
  expect(results.map((r) => r.baseOffset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  expect(resolved).toEqual([0, 1, 2, 3, 4, 5]);
  expect(gated.maxInFlight).toBeLessThanOrEqual(LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT);

  // Entries in sequence order, each after its own segment, each naming the next segment.
  const entries = gated.events.filter((e) => e.startsWith('entry '));
  expect(entries).toEqual([...entries].sort());
  expect(entries).toHaveLength(6);
  const segmentsInEntryOrder: string[] = [];
  for (const e of entries) {
    const body = JSON.parse(new TextDecoder().decode(await inner.get(e.slice('entry '.length)))) as { ops: { op: string; chunk?: { segment: string } }[] };
    const seg = body.ops.find((o) => o.op === 'chunk')!.chunk!.segment;
    expect(gated.events.indexOf(`put ${seg}`), `${seg} written before ${e}`).toBeLessThan(gated.events.indexOf(e));
    segmentsInEntryOrder.push(seg);
  }
  expect(segmentsInEntryOrder).toEqual([...segmentsInEntryOrder].sort());

  await log.close();
  const again = await Log.open({ store: inner, maintenanceIntervalMs: 0 });
  cleanups.push(() => again.close());
  expect(recordsOf((await again.read('t', 0, 0n, 1 << 20)).records).map((r) => [r.offset, r.value[0]])).toEqual([...Array(6).keys()].map((i) => [BigInt(i), `${i}`]));
});

test('a failed flush rejects the flush in flight behind it: no entry names its segment, which is deleted, and the offsets are taken again', async () => {
  const { gated, log } = await setup();
  const outcomes = [...Array(3).keys()].map((i) => log.append('t', 0, batchOf([`${i}`.repeat(600)])).then(() => 'ok', (e: unknown) => e));
  await until('two segment PUTs are held', () => gated.held.length === 2);
  const [first, second] = gated.held as [GatedStore['held'][number], GatedStore['held'][number]];
  first.fail(new ObjectStoreError('injected: disk gone', { retriable: false }));
  const [a, b, c] = await Promise.all(outcomes);
  for (const e of [a, b, c]) expect(e).toBeInstanceOf(StorageError);
  // The second segment was still being written when the first flush failed.
  second.release();
  await until('the orphan segment is deleted', () => gated.events.includes(`delete ${second.key}`));
  expect(gated.events.filter((e) => e.startsWith('entry '))).toEqual([]);
  expect(log.highWatermark('t', 0)).toBe(0n);

  gated.gating = false;
  const again = log.append('t', 0, batchOf(['again']));
  await log.flush();
  expect((await again).baseOffset).toBe(0n);
  expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['again']);
});

test('the local default keeps one flush in flight: the next full buffer waits for it', async () => {
  expect(LOG_FLUSHES_IN_FLIGHT_MAX_COUNT).toBe(1);
  const { gated, log } = await setup(LOG_FLUSHES_IN_FLIGHT_MAX_COUNT);
  const appends = [...Array(3).keys()].map((i) => log.append('t', 0, batchOf([`${i}`.repeat(600)])));
  await until('one segment PUT is held', () => gated.held.length === 1);
  await settle();
  expect(gated.held.length).toBe(1);
  gated.gating = false;
  gated.held[0]!.release();
  const [results] = await Promise.all([Promise.all(appends), log.flush()]);
  expect(results.map((r) => r.baseOffset)).toEqual([0n, 1n, 2n]);
  expect(gated.maxInFlight).toBe(1);
});

test('the bound on flushes in flight must be a positive integer', async () => {
  const t = tempStore('log-flushes');
  cleanups.push(t.cleanup);
  await expect(Log.open({ store: t.store, maintenanceIntervalMs: 0, flushesInFlightMaxCount: 0 })).rejects.toBeInstanceOf(RangeError);
});

test('a flush acknowledges in order, LOG_ACK_CHUNK_COUNT per event-loop turn, and flush() returns after the last', async () => {
  const t = tempStore('log-flushes');
  cleanups.push(t.cleanup);
  const log = await Log.open({ store: t.store, maintenanceIntervalMs: 0 });
  cleanups.push(() => log.close());
  await log.createTopic('t', 3);
  const n = 2 * LOG_ACK_CHUNK_COUNT + 5;
  const resolved: number[] = [];
  let resolvedWhenTheLoopTurned = -1;
  const appends = [...Array(n).keys()].map((i) =>
    log.append('t', i % 3, batchOf([`v${i}`])).then((r) => {
      if (resolved.length === 0) setImmediate(() => (resolvedWhenTheLoopTurned = resolved.length));
      resolved.push(i);
      return r;
    }),
  );
  await log.flush();
  expect(resolved).toEqual([...Array(n).keys()]); // all of them, in order, once flush() returns
  // The first turn of the event loop after the first acknowledgement saw only part of them.
  expect(resolvedWhenTheLoopTurned).toBeGreaterThan(0);
  expect(resolvedWhenTheLoopTurned).toBeLessThan(n);
  const results = await Promise.all(appends);
  for (let p = 0; p < 3; p++) expect(results.filter((_, i) => i % 3 === p).map((r) => r.baseOffset)).toEqual([...Array(Math.ceil((n - p) / 3)).keys()].map(BigInt));
});
