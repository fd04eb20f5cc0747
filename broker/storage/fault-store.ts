/**
 * A wrapper that makes any store misbehave the way real object stores do:
 * fail before a write, answer late, or lose the reply after the write happened.
 * Every decision comes from a seeded PRNG drawn in call order, so a failing test
 * is reproduced by its seed (which every injected error message names).
 */
import type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
import { ObjectStoreError } from './object-store.js';
import { SeededRandom } from './seeded-random.js';

export type StoreOp = 'get' | 'put' | 'putIfAbsent' | 'list' | 'delete';
const WRITE_OPS: ReadonlySet<StoreOp> = new Set(['put', 'putIfAbsent', 'delete']);

export type FaultKind = 'fail' | 'lost-reply' | 'delay' | 'crashed';

export interface FaultEvent {
  /** Index of the call on this store, from 0. */
  call: number;
  op: StoreOp;
  key: string;
  kind: FaultKind;
  /** Delay in ms for `delay`. */
  delayMs?: number;
}

export interface FaultOptions {
  seed: number;
  /** Chance that a call fails before touching the inner store. */
  failProbability?: number;
  /** Chance that a write (put, putIfAbsent, delete) reaches the inner store and then throws as if the reply were lost. */
  lostReplyProbability?: number;
  /** Chance that a call is delayed by a duration drawn from `delayMs`. */
  delayProbability?: number;
  /** Inclusive range of injected delays. */
  delayMs?: { min: number; max: number };
  /** Which operations faults apply to; all by default. */
  ops?: readonly StoreOp[];
  /** Start with faults switched on (default true). */
  enabled?: boolean;
}

/** An injected failure: always retriable, and it names the seed that reproduces it. */
export class InjectedFaultError extends ObjectStoreError {
  readonly kind: FaultKind;
  readonly seed: number;
  readonly call: number;
  constructor(kind: FaultKind, op: StoreOp, key: string, seed: number, call: number) {
    super(`injected ${kind} on ${op} "${key}" (seed=${seed}, call #${call})`, { retriable: true });
    this.name = 'InjectedFaultError';
    this.kind = kind;
    this.seed = seed;
    this.call = call;
  }
}

interface KeyFault {
  prefix: string;
  kind: 'fail' | 'lost-reply';
  /** Remaining calls to fault; Infinity until cleared. */
  remaining: number;
  ops: ReadonlySet<StoreOp> | undefined;
}

interface Plan {
  call: number;
  fail: boolean;
  lostReply: boolean;
  delayMs: number;
}

export class FaultInjectingStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly seed: number;
  /** Every fault injected so far, in call order; two stores with the same seed and calls produce the same list. */
  readonly events: FaultEvent[] = [];
  private readonly random: SeededRandom;
  private readonly options: Required<Omit<FaultOptions, 'seed' | 'ops' | 'enabled'>> & { ops: ReadonlySet<StoreOp> };
  private enabled: boolean;
  private crashed = false;
  private calls = 0;
  private keyFaults: KeyFault[] = [];

  constructor(inner: ObjectStore, options: FaultOptions) {
    this.inner = inner;
    this.seed = options.seed >>> 0;
    this.random = new SeededRandom(this.seed);
    this.enabled = options.enabled ?? true;
    this.options = {
      failProbability: options.failProbability ?? 0,
      lostReplyProbability: options.lostReplyProbability ?? 0,
      delayProbability: options.delayProbability ?? (options.delayMs === undefined ? 0 : 1),
      delayMs: options.delayMs ?? { min: 0, max: 0 },
      ops: new Set(options.ops ?? ['get', 'put', 'putIfAbsent', 'list', 'delete']),
    };
    for (const p of [this.options.failProbability, this.options.lostReplyProbability, this.options.delayProbability]) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`fault probability ${p} outside [0, 1]`);
    }
    if (this.options.delayMs.min < 0 || this.options.delayMs.max < this.options.delayMs.min) {
      throw new RangeError(`bad delay range [${this.options.delayMs.min}, ${this.options.delayMs.max}]`);
    }
  }

  /** Switches random faults on or off; key faults and the crash switch are unaffected. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  /** Makes calls on keys starting with `prefix` fail (or lose their reply), `count` times or until cleared. */
  failKeys(prefix: string, options: { kind?: 'fail' | 'lost-reply'; count?: number; ops?: readonly StoreOp[] } = {}): void {
    this.keyFaults.push({
      prefix,
      kind: options.kind ?? 'fail',
      remaining: options.count ?? Infinity,
      ops: options.ops === undefined ? undefined : new Set(options.ops),
    });
  }

  clearKeyFaults(): void {
    this.keyFaults = [];
  }

  /** From now on every call fails, as if the process holding the store had died. */
  crash(): void {
    this.crashed = true;
  }

  /** Undoes `crash` (a restarted broker on the same bucket uses a fresh wrapper instead, usually). */
  revive(): void {
    this.crashed = false;
  }

  get isCrashed(): boolean {
    return this.crashed;
  }

  /**
   * Decides the fate of one call, synchronously at call time, so the PRNG is
   * consumed in call order whatever the timing of the inner store.
   */
  private plan(op: StoreOp, key: string): Plan {
    const call = this.calls++;
    const plan: Plan = { call, fail: false, lostReply: false, delayMs: 0 };
    const keyFault = this.keyFaults.find((f) => f.remaining > 0 && key.startsWith(f.prefix) && (f.ops === undefined || f.ops.has(op)));
    if (keyFault !== undefined) {
      keyFault.remaining--;
      if (keyFault.kind === 'lost-reply' && WRITE_OPS.has(op)) plan.lostReply = true;
      else plan.fail = true;
    } else if (this.enabled && this.options.ops.has(op)) {
      // Always draw the same number of values per call so one decision never shifts the others.
      const rFail = this.random.next();
      const rLost = this.random.next();
      const rDelay = this.random.next();
      const rDelayMs = this.random.next();
      plan.fail = rFail < this.options.failProbability;
      plan.lostReply = !plan.fail && WRITE_OPS.has(op) && rLost < this.options.lostReplyProbability;
      if (rDelay < this.options.delayProbability) {
        const { min, max } = this.options.delayMs;
        plan.delayMs = min + Math.floor(rDelayMs * (max - min + 1));
      }
    }
    if (plan.delayMs > 0) this.events.push({ call, op, key, kind: 'delay', delayMs: plan.delayMs });
    if (plan.fail) this.events.push({ call, op, key, kind: 'fail' });
    if (plan.lostReply) this.events.push({ call, op, key, kind: 'lost-reply' });
    return plan;
  }

  private async run<T>(op: StoreOp, key: string, body: () => Promise<T>): Promise<T> {
    if (this.crashed) {
      const call = this.calls++;
      this.events.push({ call, op, key, kind: 'crashed' });
      throw new InjectedFaultError('crashed', op, key, this.seed, call);
    }
    const plan = this.plan(op, key);
    if (plan.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    if (plan.fail) throw new InjectedFaultError('fail', op, key, this.seed, plan.call);
    // A crash during the delay kills the call before it reaches the bucket.
    if (this.crashed) throw new InjectedFaultError('crashed', op, key, this.seed, plan.call);
    const result = await body();
    if (plan.lostReply) throw new InjectedFaultError('lost-reply', op, key, this.seed, plan.call);
    return result;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return this.run('get', key, () => this.inner.get(key, range));
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.run('put', key, () => this.inner.put(key, bytes));
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.run('putIfAbsent', key, () => this.inner.putIfAbsent(key, bytes));
  }

  list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    return this.run('list', prefix, () => this.inner.list(prefix, after));
  }

  delete(key: string): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key));
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
