/**
 * The log under a misbehaving store: random failures, delays and lost replies (the write
 * happened, the reply did not arrive), and crashes mid-flush. Whatever happens, an append
 * that resolved is in the bucket at its offset, a rejected one got a retriable error, and
 * no offset is ever used twice.
 *
 * Reproduce a failure with SLUICE_TEST_SEED=<seed printed> (the fault decisions follow the
 * seed call by call; the interleaving of concurrent producers with disk I/O may still vary).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Log, LogError, StorageError } from '../../../broker/log/index.js';
import { FaultInjectingStore } from '../../../broker/storage/fault-store.js';
import type { ObjectStore } from '../../../broker/storage/object-store.js';
import { SeededRandom, testSeed } from '../../helpers/seeded-random.js';
import { batchOf, recordsOf, tempStore } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Opens a Log, retrying while injected faults make recovery fail (a broker would restart too). */
async function openWithRetry(store: ObjectStore, opts: { flushIntervalMs?: number } = {}): Promise<Log> {
  let last: unknown;
  for (let i = 0; i < 20; i++) {
    try {
      return await Log.open({ store, maintenanceIntervalMs: 0, ...opts });
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

type Ledger = Map<number, Map<bigint, string>>; // partition -> offset -> value

/** Checks the bucket (through a clean Log on the inner store) against what was acknowledged. */
async function verify(inner: ObjectStore, partitions: number, acked: Ledger, seed: number): Promise<Log> {
  const log = await Log.open({ store: inner, maintenanceIntervalMs: 0 });
  for (let p = 0; p < partitions; p++) {
    const hw = log.highWatermark('t', p);
    const stored = hw === 0n ? [] : recordsOf((await log.read('t', p, 0n, 1 << 30)).records);
    // Offsets are dense and unique: nothing skipped, nothing written twice.
    expect(stored.map((r) => r.offset), `seed ${seed} partition ${p}`).toEqual([...Array(Number(hw)).keys()].map(BigInt));
    const at = new Map(stored.map((r) => [r.offset, r.value]));
    for (const [offset, value] of acked.get(p) ?? []) {
      expect(at.get(offset), `seed ${seed}: acknowledged ${value} missing at ${p}/${offset}`).toBe(value);
    }
  }
  return log;
}

function record(acked: Ledger, partition: number, offset: bigint, value: string, seed: number): void {
  let m = acked.get(partition);
  if (!m) acked.set(partition, (m = new Map()));
  // Two acknowledgements for one offset would be an offset reused.
  expect(m.has(offset), `seed ${seed}: offset ${partition}/${offset} acknowledged twice`).toBe(false);
  m.set(offset, value);
}

test('thousands of appends under random faults: no acknowledged record lost, every failure retriable', async () => {
  const seed = testSeed();
  try {
    const t = tempStore('log-faults');
    cleanups.push(t.cleanup);
    const partitions = 4;
    const setupLog = await Log.open({ store: t.store, maintenanceIntervalMs: 0 });
    await setupLog.createTopic('t', partitions);
    await setupLog.close();

    const faulty = new FaultInjectingStore(t.store, {
      seed,
      failProbability: 0.1,
      lostReplyProbability: 0.1,
      delayProbability: 0.2,
      delayMs: { min: 0, max: 3 },
    });
    const log = await openWithRetry(faulty, { flushIntervalMs: 1 });
    const acked: Ledger = new Map();
    let rejected = 0;
    const producers = 6;
    const perProducer = 500;
    const started = Date.now();
    // Bursts of faults on one kind of key outlast the retries, so flushes fail for real: a
    // segment PUT that never lands, a manifest entry that fails, and one written whose reply
    // is lost while reading it back fails too (the entry is in doubt until read). They start
    // at fixed points of progress, so each kind happens in every run.
    const rnd = new SeededRandom(seed);
    const burstAt = [300, 900, 1500, 2100, 2600];
    const burstKinds = [0, 1, 2, rnd.int(0, 2), rnd.int(0, 2)];
    let ackedTotal = 0;
    const burst = (kind: number): void => {
      faulty.clearKeyFaults();
      if (kind === 0) faulty.failKeys('segments/', { count: 5, ops: ['put'] });
      else if (kind === 1) faulty.failKeys('manifest/', { count: 30 });
      else {
        faulty.failKeys('manifest/', { kind: 'lost-reply', count: 1, ops: ['putIfAbsent'] });
        faulty.failKeys('manifest/', { count: 28, ops: ['get'] });
      }
    };
    // Each producer keeps up to `inFlight` appends outstanding, as pipelining clients do.
    const inFlight = 10;
    await Promise.all(
      [...Array(producers * inFlight).keys()].map(async (lane) => {
        const id = lane % producers;
        for (let i = Math.floor(lane / producers); i < perProducer; i += inFlight) {
          const partition = (id + i) % partitions;
          const value = `p${id}-${i}`;
          // Like a client: retry a rejected record a few times with a backoff, then give up on it.
          for (let attempt = 0; attempt < 10; attempt++) {
            try {
              const r = await log.append('t', partition, batchOf([value]));
              record(acked, partition, r.baseOffset, value, seed);
              ackedTotal++;
              if (ackedTotal === burstAt[0]) {
                burstAt.shift();
                burst(burstKinds.shift()!);
              }
              break;
            } catch (err) {
              rejected++;
              expect(err, `seed ${seed}: ${String(err)}`).toBeInstanceOf(LogError);
              expect((err as LogError).retriable, `seed ${seed}: ${String(err)}`).toBe(true);
              await new Promise((r) => setTimeout(r, 10));
            }
          }
        }
      }),
    );
    faulty.clearKeyFaults();
    const ackedCount = [...acked.values()].reduce((n, m) => n + m.size, 0);
    // The faults did happen, and most appends still got through.
    expect(faulty.events.filter((e) => e.kind !== 'delay').length).toBeGreaterThan(10);
    expect(ackedCount).toBeGreaterThan((producers * perProducer * 8) / 10);
    expect(rejected).toBeGreaterThan(0);
    await log.close();
    const check = await verify(t.store, partitions, acked, seed);
    await check.close();
    console.log(`fault run seed=${seed}: ${ackedCount} acked, ${rejected} rejected, ${faulty.events.length} faults, ${Date.now() - started} ms`);
  } catch (err) {
    console.error(`log fault test failed; reproduce with SLUICE_TEST_SEED=${seed}`);
    throw err;
  }
});

test('crashes mid-flush at random points: acknowledged data survives each restart, no offset reused', async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  try {
    const t = tempStore('log-crash');
    cleanups.push(t.cleanup);
    const partitions = 3;
    const setupLog = await Log.open({ store: t.store, maintenanceIntervalMs: 0 });
    await setupLog.createTopic('t', partitions);
    await setupLog.close();
    const acked: Ledger = new Map();
    let roundsWithRejections = 0;
    for (let round = 0; round < 10; round++) {
      // Slow calls widen the window between the segment PUT and the manifest entry.
      const faulty = new FaultInjectingStore(t.store, { seed: seed + round, delayProbability: 0.5, delayMs: { min: 0, max: 4 } });
      const log = await Log.open({ store: faulty, flushIntervalMs: rnd.int(1, 5), maintenanceIntervalMs: 0 });
      let stop = false;
      let rejectedInRound = 0;
      const producers = [...Array(3).keys()].map(async (id) => {
        for (let i = 0; !stop; i++) {
          const partition = (id + i) % partitions;
          const value = `r${round}-p${id}-${i}`;
          try {
            const r = await log.append('t', partition, batchOf([value]));
            // An acknowledgement that arrives after the crash is still a promise kept: it must be durable.
            record(acked, partition, r.baseOffset, value, seed);
          } catch (err) {
            expect((err as LogError).retriable, `seed ${seed}: ${String(err)}`).toBe(true);
            rejectedInRound++;
            return;
          }
        }
      });
      await new Promise((r) => setTimeout(r, rnd.int(20, 150)));
      faulty.crash();
      stop = true;
      await Promise.all(producers);
      await log.close();
      // Appends in flight at the crash were rejected (not falsely acknowledged).
      if (rejectedInRound > 0) roundsWithRejections++;
      const check = await verify(t.store, partitions, acked, seed);
      await check.close();
    }
    expect(roundsWithRejections).toBeGreaterThan(0);
    expect([...acked.values()].reduce((n, m) => n + m.size, 0)).toBeGreaterThan(10);
  } catch (err) {
    console.error(`log crash test failed; reproduce with SLUICE_TEST_SEED=${seed}`);
    throw err;
  }
});

describe('each failure path, one at a time', () => {
  async function setupFaulty() {
    const t = tempStore('log-paths');
    cleanups.push(t.cleanup);
    const setupLog = await Log.open({ store: t.store, maintenanceIntervalMs: 0 });
    await setupLog.createTopic('t', 1);
    await setupLog.close();
    const faulty = new FaultInjectingStore(t.store, { seed: 1 });
    const log = await Log.open({ store: faulty, maintenanceIntervalMs: 0 });
    cleanups.push(() => log.close());
    return { inner: t.store, faulty, log };
  }

  test('a lost reply on the manifest entry is read back and counts as written', async () => {
    const { inner, faulty, log } = await setupFaulty();
    faulty.failKeys('manifest/', { kind: 'lost-reply', count: 1, ops: ['putIfAbsent'] });
    expect((await log.append('t', 0, batchOf(['a']))).baseOffset).toBe(0n);
    expect((await log.append('t', 0, batchOf(['b']))).baseOffset).toBe(1n);
    await log.close();
    const check = await Log.open({ store: inner, maintenanceIntervalMs: 0 });
    expect(recordsOf((await check.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['a', 'b']);
    await check.close();
  });

  test('a segment PUT that keeps failing rejects the append and frees its offset', async () => {
    const { faulty, log } = await setupFaulty();
    faulty.failKeys('segments/', { count: 100, ops: ['put'] });
    const err = await log.append('t', 0, batchOf(['lost'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    faulty.clearKeyFaults();
    expect((await log.append('t', 0, batchOf(['kept']))).baseOffset).toBe(0n);
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['kept']);
  });

  test('an entry in doubt that did land becomes visible once read back; its offsets are never reused', async () => {
    const { faulty, log } = await setupFaulty();
    faulty.failKeys('manifest/', { kind: 'lost-reply', count: 1, ops: ['putIfAbsent'] });
    faulty.failKeys('manifest/', { count: 27, ops: ['get'] });
    await expect(log.append('t', 0, batchOf(['maybe']))).rejects.toBeInstanceOf(StorageError);
    await expect(log.append('t', 0, batchOf(['refused']))).rejects.toBeInstanceOf(StorageError);
    expect(log.highWatermark('t', 0)).toBe(0n);
    const t0 = Date.now();
    while (log.highWatermark('t', 0) === 0n && Date.now() - t0 < 5000) {
      await log.append('t', 0, batchOf(['probe'])).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records)[0]).toEqual({ offset: 0n, value: 'maybe' });
    const next = await log.append('t', 0, batchOf(['after']));
    expect(next.baseOffset).toBeGreaterThanOrEqual(1n);
  });

  test('an entry in doubt that did not land is forgotten: the offset is free again', async () => {
    const { faulty, log } = await setupFaulty();
    faulty.failKeys('manifest/', { count: 5, ops: ['putIfAbsent'] });
    faulty.failKeys('manifest/', { count: 27, ops: ['get'] });
    await expect(log.append('t', 0, batchOf(['never']))).rejects.toBeInstanceOf(StorageError);
    let result: bigint | undefined;
    const t0 = Date.now();
    while (result === undefined && Date.now() - t0 < 5000) {
      result = await log.append('t', 0, batchOf(['later'])).then((r) => r.baseOffset, () => undefined);
      if (result === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(result).toBe(0n);
    expect(recordsOf((await log.read('t', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['later']);
  });
});
