/**
 * The append buffer: appends (with their offsets fixed) and metadata operations waiting for a
 * flush, shared by every partition. It says when a flush is due (a size bound reached or the
 * time bound passed since its oldest item) and when appends must wait (backpressure), and hands
 * a flush at most one flush worth of it.
 */
import { LOG_BUFFER_MAX_BYTES, LOG_FLUSH_MAX_OPS_COUNT, LOG_PENDING_APPENDS_MAX_COUNT } from '../constants.js';
import type { Op } from './manifest.js';
import type { PendingProducer } from './producers.js';
import type { AppendResult } from './types.js';

export interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function defer<T>(): { promise: Promise<T> } & Waiter<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface PendingAppend extends Waiter<AppendResult> {
  topic: string;
  topicId: string;
  partition: number;
  bytes: Uint8Array;
  /** Views of each whole batch in `bytes`, for the tail cache. */
  batches: Uint8Array[];
  first: bigint;
  last: bigint;
  maxTimestamp: bigint;
  producer?: PendingProducer;
  /** Set for the appends of a unit: they go into one entry with the unit's operations. */
  unit?: Unit;
}

export interface PendingOps extends Waiter<void> {
  ops: Op[];
  unit?: Unit;
}

/** Appends and operations that must land in one manifest entry together (a pipeline's step). */
interface Unit {
  appends: number;
  bytes: number;
}

/** Appends and operations that go into one manifest entry (or wait in the buffer for one). */
export interface PendingWrites {
  appends: PendingAppend[];
  metas: PendingOps[];
  bytes: number;
  opCount: number;
}

export function noPendingWrites(): PendingWrites {
  return { appends: [], metas: [], bytes: 0, opCount: 0 };
}

/** Manifest operations an append adds: its chunk share, and its producer batch when idempotent. */
function opsOf(a: PendingAppend): number {
  return a.producer ? 2 : 1;
}

export class AppendBuffer {
  private pending = noPendingWrites();
  /** When the oldest item arrived (performance.now()); the time bound counts from it. */
  private sinceMs = 0;
  /** Appends waiting for space (backpressure). */
  private spaceWaiters: (() => void)[] = [];

  constructor(
    private readonly flushMaxBytes: number,
    private readonly flushIntervalMs: number,
  ) {}

  get isEmpty(): boolean {
    return this.pending.appends.length === 0 && this.pending.metas.length === 0;
  }

  /** Whether appends must wait for a flush to take the buffer (backpressure). */
  get isFull(): boolean {
    return this.pending.bytes >= LOG_BUFFER_MAX_BYTES || this.pending.appends.length >= LOG_PENDING_APPENDS_MAX_COUNT;
  }

  /** Whether the buffer must be flushed now: a size bound reached, its time bound passed, or `forced`. */
  isDue(forced: boolean): boolean {
    const b = this.pending;
    return (
      forced ||
      b.bytes >= this.flushMaxBytes ||
      b.opCount >= LOG_FLUSH_MAX_OPS_COUNT ||
      b.appends.length >= LOG_PENDING_APPENDS_MAX_COUNT ||
      performance.now() - this.sinceMs >= this.flushIntervalMs
    );
  }

  /** Milliseconds until the time bound of the oldest item passes (0 when it has). */
  msUntilDue(): number {
    return Math.max(0, this.flushIntervalMs - (performance.now() - this.sinceMs));
  }

  addAppend(a: PendingAppend): void {
    this.noteFirstItem();
    this.pending.appends.push(a);
    this.pending.bytes += a.bytes.byteLength;
    this.pending.opCount += opsOf(a);
  }

  /** Appends and operations that one flush must take together (consecutive, so order is kept). */
  addUnit(appends: PendingAppend[], m: PendingOps): void {
    const unit: Unit = { appends: appends.length, bytes: 0 };
    for (const a of appends) {
      a.unit = unit;
      unit.bytes += a.bytes.byteLength;
      this.addAppend(a);
    }
    m.unit = unit;
    this.addOps(m);
  }

  addOps(m: PendingOps): void {
    this.noteFirstItem();
    this.pending.metas.push(m);
    this.pending.opCount += m.ops.length;
  }

  private noteFirstItem(): void {
    if (this.isEmpty) this.sinceMs = performance.now();
  }

  /** Resolves once a flush took the buffer (or everything in it failed). */
  waitForSpace(): Promise<void> {
    return new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Lets every append waiting for space look again. */
  wakeSpaceWaiters(): void {
    for (const w of this.spaceWaiters.splice(0)) w();
  }

  /** Takes everything, whatever the bounds (a failure rejects it all). */
  takeAll(): PendingWrites {
    const all = this.pending;
    this.pending = noPendingWrites();
    return all;
  }

  /** Takes up to one flush worth (bytes and ops); the rest stays for the next flush, in order. */
  take(): PendingWrites {
    const b = this.takeAll();
    if (b.bytes <= this.flushMaxBytes && b.opCount <= LOG_FLUSH_MAX_OPS_COUNT) return b;
    const out = noPendingWrites();
    const rest = this.pending;
    const addAppend = (to: PendingWrites, a: PendingAppend): void => {
      to.appends.push(a);
      to.bytes += a.bytes.byteLength;
      to.opCount += opsOf(a);
    };
    // A unit's appends (consecutive) go where its first one goes, and its operations follow them.
    const placed = new Map<Unit, PendingWrites>();
    for (const a of b.appends) {
      let to = a.unit === undefined ? undefined : placed.get(a.unit);
      if (to === undefined) {
        const bytes = a.unit?.bytes ?? a.bytes.byteLength;
        const fits = out.appends.length === 0 || (rest.appends.length === 0 && out.bytes + bytes <= this.flushMaxBytes && out.opCount < LOG_FLUSH_MAX_OPS_COUNT);
        to = fits ? out : rest;
        if (a.unit !== undefined) placed.set(a.unit, to);
      }
      addAppend(to, a);
    }
    for (const m of b.metas) {
      const unitTo = m.unit !== undefined && m.unit.appends > 0 ? placed.get(m.unit) : undefined;
      const to = unitTo ?? (rest.appends.length === 0 && rest.metas.length === 0 && (out.opCount === 0 || out.opCount + m.ops.length <= LOG_FLUSH_MAX_OPS_COUNT) ? out : rest);
      to.metas.push(m);
      to.opCount += m.ops.length;
    }
    return out;
  }
}
