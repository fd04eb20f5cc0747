/**
 * Runs modules isolated in worker threads. Each worker serves one shared-memory mailbox (a
 * long-running piscina task, see worker.ts): a batch is copied into the mailbox, the worker is
 * notified, and the host awaits the reply with Atomics.waitAsync, so a batch costs no message
 * round trip. piscina still starts, terminates and replaces the workers. The pool keeps a bounded
 * queue of batches and hands a worker at most one batch at a time, so every call's deadline is
 * counted from the moment it is dispatched, not from when it was queued. A missed deadline
 * terminates that worker (piscina starts a replacement, which serves a new mailbox); batches of
 * other modules keep running on the other workers.
 */
import {
  SANDBOX_CALL_TIME_EWMA_WEIGHT, SANDBOX_DEADLINE_MS_DEFAULT, SANDBOX_HOST_SPIN_US, SANDBOX_HOST_SYNC_WAIT_US, SANDBOX_MAILBOX_BYTES, SANDBOX_MODULE_KEYS_MAX_COUNT,
  SANDBOX_QUEUE_MAX_BATCHES, SANDBOX_THREADS_DEFAULT,
} from '../constants.js';
import type { BatchBuffers } from '../abi/batch-buffers.js';
import type { LoadedModule } from '../module-loader.js';
import { DeadlineExceededError, PoolClosedError, SandboxError } from './errors.js';
import { MAILBOX_FLAG } from './mailbox-layout.js';
import { Mailbox, type MailboxReply } from './mailbox.js';
import { othersLoad, pollingPays, type PollingMode } from './poll-gate.js';
import { ModuleHandle, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput } from './runner.js';
import { TaskQueue } from './task-queue.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

export interface SandboxPoolOptions {
  threads?: number;
  queueMaxBatches?: number;
  deadlineMsDefault?: number;
  resourceLimits?: WorkerPoolOptions['resourceLimits'];
  /** Size of each worker's shared mailbox region; larger batches travel as transferred buffers. */
  mailboxBytes?: number;
  /** Longest synchronous wait for a short call's reply (SANDBOX_HOST_SYNC_WAIT_US); 0 never blocks the host. */
  hostSyncWaitUs?: number;
  /**
   * Whether the host (synchronous wait) and the workers poll: 'auto' (default) only while the
   * machine's load leaves a core for it (poll-gate.ts); 'always' and 'never' for tests and measurements.
   */
  polling?: PollingMode;
  /** Module keys remembered at most (SANDBOX_MODULE_KEYS_MAX_COUNT). */
  moduleKeysMaxCount?: number;
  /** URL of a module whose `inputConverter` export (InputConverter) the workers run on RunOptions.convert inputs. */
  inputConverter?: string;
}

export interface SandboxPoolStats {
  threads: number;
  inFlight: number;
  queued: number;
  completed: number;
  failed: number;
  deadlinesMissed: number;
  workersStarted: number;
  workersReplaced: number;
  /** Calls the host waited for synchronously (expected short, nothing else waiting for a worker). */
  syncWaits: number;
  /** Of those, the calls whose reply came within the synchronous wait. */
  syncReplies: number;
  /** Module keys remembered (at most moduleKeysMaxCount). */
  moduleKeys: number;
  /** Whether polling is on now (it follows the machine's load in 'auto'). */
  pollingOn: boolean;
  /** The 1-minute load average less this process's share, as of the last look (poll-gate.ts). */
  othersLoad: number;
}

interface ModuleKey {
  /** A small integer for the handle key: what a mailbox request names. */
  id: number;
  /** Running mean time of a call in µs: decides whether the host waits synchronously. */
  callTimeUs: number | undefined;
}

interface Job {
  handle: ModuleHandle;
  input: Uint8Array;
  state: Uint8Array | null;
  deadlineMs: number;
  /** RunOptions.buffers. */
  buffers: BatchBuffers | undefined;
  /** RunOptions.convert. */
  convert: boolean;
  resolve: (out: RunOutput) => void;
  reject: (err: SandboxError) => void;
}

export class SandboxPool implements ModuleRunner {
  readonly mode = 'sandbox' as const;
  readonly deadlineMsDefault: number;
  readonly #mailboxBytes: number;
  readonly #hostSyncWaitUs: number;
  readonly #polling: PollingMode;
  readonly #converter: string | null;
  #syncWaits = 0;
  #syncReplies = 0;
  #workers: WorkerPool;
  #queue: TaskQueue<Job>;
  /** Every mailbox whose serving task has not ended (booting, idle or busy). */
  #mailboxes = new Set<Mailbox>();
  /** What the pool remembers of each handle key, least recently used first. */
  #keys = new Map<string, ModuleKey>();
  /** Never reused: a worker may still cache an instance under a forgotten key's id. */
  #nextKeyId = 1;
  readonly #moduleKeysMaxCount: number;
  #inFlight = 0;
  #closing = false;
  #completed = 0;
  #failed = 0;
  #deadlinesMissed = 0;
  #idleWaiters: (() => void)[] = [];
  #servingWaiters: { test: () => boolean; resolve: () => void }[] = [];

  private constructor(workers: WorkerPool, options: SandboxPoolOptions) {
    this.deadlineMsDefault = options.deadlineMsDefault ?? SANDBOX_DEADLINE_MS_DEFAULT;
    this.#mailboxBytes = options.mailboxBytes ?? SANDBOX_MAILBOX_BYTES;
    this.#hostSyncWaitUs = options.hostSyncWaitUs ?? SANDBOX_HOST_SYNC_WAIT_US;
    this.#polling = options.polling ?? 'auto';
    this.#converter = options.inputConverter ?? null;
    this.#moduleKeysMaxCount = options.moduleKeysMaxCount ?? SANDBOX_MODULE_KEYS_MAX_COUNT;
    if (!Number.isInteger(this.#moduleKeysMaxCount) || this.#moduleKeysMaxCount < 1) throw new RangeError(`moduleKeysMaxCount must be a positive integer, got ${this.#moduleKeysMaxCount}`);
    this.#workers = workers;
    this.#queue = new TaskQueue(options.queueMaxBatches ?? SANDBOX_QUEUE_MAX_BATCHES);
  }

  /** Starts the workers and resolves once each of them serves its mailbox. */
  static async start(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
    const workers = await WorkerPool.start({ threads: options.threads ?? SANDBOX_THREADS_DEFAULT, resourceLimits: options.resourceLimits });
    const pool = new SandboxPool(workers, options);
    for (let i = 0; i < workers.threads; i++) pool.#serveMailbox();
    await pool.#whenServing(() => pool.#servingCount() >= workers.threads);
    return pool;
  }

  /**
   * Starts one long-running serving task; piscina gives it to a worker that has none (a fresh one
   * after a replacement). When the task ends (worker terminated or dead), its mailbox is
   * discarded and a new task is started for the replacement worker.
   */
  #serveMailbox(): void {
    if (this.#closing) return;
    const mailbox = new Mailbox(this.#mailboxBytes, this.#polling, this.#converter);
    this.#mailboxes.add(mailbox);
    const { task, transferList } = mailbox.serveTask();
    const ended = (): void => {
      this.#mailboxes.delete(mailbox);
      mailbox.discard();
      this.#serveMailbox();
      this.#changed();
    };
    this.#workers.run(task, transferList, mailbox.signal).then(ended, ended);
    void mailbox.whenReady().then(() => this.#changed());
  }

  #servingCount(): number {
    let n = 0;
    for (const m of this.#mailboxes) if (m.ready) n++;
    return n;
  }

  #whenServing(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.#servingWaiters.push({ test, resolve }));
  }

  #changed(): void {
    if (this.#servingWaiters.length > 0) {
      this.#servingWaiters = this.#servingWaiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    }
    this.#pump();
  }

  #idleMailbox(): Mailbox | undefined {
    for (const m of this.#mailboxes) if (!m.busy && m.ready) return m;
    return undefined;
  }

  /** What the pool remembers of a handle key, most recently used now; past the bound the least recently used is forgotten. */
  #moduleKey(key: string): ModuleKey {
    let entry = this.#keys.get(key);
    if (entry !== undefined) {
      this.#keys.delete(key);
    } else {
      entry = { id: this.#nextKeyId++, callTimeUs: undefined };
      if (this.#keys.size >= this.#moduleKeysMaxCount) this.#keys.delete(this.#keys.keys().next().value!);
    }
    this.#keys.set(key, entry);
    return entry;
  }

  register(module: LoadedModule, options: RegisterOptions = {}): ModuleHandle {
    return new ModuleHandle(module, options);
  }

  run(handle: ModuleHandle, input: Uint8Array, state: Uint8Array | null = null, options: RunOptions = {}): Promise<RunOutput> {
    if (this.#closing) return Promise.reject(new PoolClosedError());
    if (options.convert === true && this.#converter === null) return Promise.reject(new SandboxError('bad-input', 'this sandbox pool has no input converter'));
    return new Promise<RunOutput>((resolve, reject) => {
      const job: Job = {
        handle,
        input,
        state,
        deadlineMs: options.deadlineMs ?? handle.deadlineMs ?? this.deadlineMsDefault,
        buffers: options.buffers,
        convert: options.convert === true,
        resolve,
        reject,
      };
      if (this.#queue.size === 0) {
        const mailbox = this.#idleMailbox();
        // Dispatch copies input and state before it returns: the caller's state stays its own.
        if (mailbox !== undefined) {
          this.#dispatch(job, mailbox);
          return;
        }
      }
      // Queued: the caller keeps its state until the result arrives, so hold a copy of it.
      if (state !== null) job.state = state.slice();
      try {
        this.#queue.push(job);
      } catch (err) {
        this.#failed++;
        reject(err as SandboxError);
      }
    });
  }

  /**
   * Hands `job` to `mailbox`'s worker. A short call with nothing else waiting for a worker, on a
   * machine with a core to spare, is waited for synchronously (its reply is nearer than an
   * event-loop hop) and settled before this returns, with no timer, closure or promise of its own;
   * any other call continues in #dispatchAsync.
   */
  #dispatch(job: Job, mailbox: Mailbox): void {
    this.#inFlight++;
    mailbox.busy = true;
    // Every deadline counts from here.
    const dispatchedAt = performance.now();
    let key: ModuleKey | undefined;
    let flags = 0;
    let expectedUs: number | undefined;
    let started = dispatchedAt;
    let reply: MailboxReply | null = null;
    try {
      key = this.#moduleKey(job.handle.key);
      flags = mailbox.writeInput(job.input, job.state, job.buffers !== undefined) | (job.convert ? MAILBOX_FLAG.CONVERT_INPUT : 0);
      expectedUs = key.callTimeUs;
      // Bounded by the job's deadline too: no timer runs during the wait.
      const bound = Math.min(this.#hostSyncWaitUs, job.deadlineMs * 1000);
      const syncWaitUs = this.#queue.size === 0 && expectedUs !== undefined && expectedUs <= bound && pollingPays(this.#polling) ? bound : 0;
      started = performance.now();
      mailbox.request(key.id, flags);
      // Poll about as long as the call should take, then block: the host spends the call's time
      // waiting for it, as it would spend it running the batch inline.
      if (syncWaitUs > 0) {
        this.#syncWaits++;
        if (mailbox.waitSync(syncWaitUs, SANDBOX_HOST_SPIN_US + 2 * expectedUs!)) {
          this.#syncReplies++;
          reply = mailbox.takeReply(job.buffers);
        }
      }
    } catch (err) {
      this.#failDispatch(job, mailbox, err);
      this.#release(mailbox);
      return;
    }
    if (reply === null || reply.status === 'miss') {
      void this.#dispatchAsync(job, mailbox, key!, flags, dispatchedAt, reply, expectedUs, started);
      return;
    }
    if (reply.status === 'ok') this.#timeCall(key!, expectedUs, started);
    this.#settle(job, mailbox, reply);
    this.#release(mailbox);
  }

  /**
   * The rest of a call that did not end within the synchronous wait (`reply` null: still running),
   * or that the worker answered MISS: awaited with Atomics.waitAsync, under the job's deadline.
   */
  async #dispatchAsync(
    job: Job, mailbox: Mailbox, key: ModuleKey, flags: number, dispatchedAt: number,
    reply: MailboxReply | null, expectedUs: number | undefined, started: number,
  ): Promise<void> {
    const { handle } = job;
    let missed = false;
    const timer = setTimeout(() => {
      missed = true;
      this.#deadlinesMissed++;
      this.#failed++;
      job.reject(new DeadlineExceededError(job.deadlineMs, handle.label));
      // piscina terminates the worker (V8 interrupts the guest) and starts a replacement.
      mailbox.kill(new DeadlineExceededError(job.deadlineMs, handle.label));
    }, Math.max(0, job.deadlineMs - (performance.now() - dispatchedAt)));
    try {
      if (reply === null) {
        reply = await mailbox.awaitReply(job.buffers);
        if (reply.status === 'ok') this.#timeCall(key, expectedUs, started);
      }
      if (reply.status === 'miss') {
        // This worker has not seen the module yet: send it along with the same batch. (This call
        // compiles and instantiates too: it is not timed into the module's running mean.)
        mailbox.postSpec(handle.spec);
        reply = await mailbox.call(key.id, flags | MAILBOX_FLAG.SPEC_ON_PORT);
      }
      if (!missed) this.#settle(job, mailbox, reply);
    } catch (err) {
      if (!missed) this.#failDispatch(job, mailbox, err);
    } finally {
      clearTimeout(timer);
      this.#release(mailbox);
    }
  }

  /** Folds a successful call's time into its module's running mean (which decides sync or async waits). */
  #timeCall(key: ModuleKey, expectedUs: number | undefined, started: number): void {
    const tookUs = (performance.now() - started) * 1000;
    key.callTimeUs = expectedUs === undefined ? tookUs : expectedUs + SANDBOX_CALL_TIME_EWMA_WEIGHT * (tookUs - expectedUs);
  }

  /** Resolves or rejects the job with its reply. */
  #settle(job: Job, mailbox: Mailbox, reply: MailboxReply): void {
    const label = job.handle.label;
    if (reply.status === 'ok') {
      this.#completed++;
      job.resolve(reply.converted === undefined ? { output: reply.output, state: reply.state } : { output: reply.output, state: reply.state, converted: reply.converted });
    } else if (reply.status === 'error') {
      this.#failed++;
      if (reply.recycle) mailbox.kill('recycle');
      job.reject(new SandboxError(reply.kind, `module ${label}: ${reply.message}`, reply.code));
    } else if (reply.status === 'dead') {
      this.#failed++;
      job.reject(new SandboxError('worker-died', `module ${label}: worker died during the call; it was replaced`));
    } else {
      throw new Error('worker answered miss to a call that carried its module');
    }
  }

  /** A call that broke on the host's side (a bad reply, a failed post): the worker is replaced. */
  #failDispatch(job: Job, mailbox: Mailbox, err: unknown): void {
    this.#failed++;
    const message = err instanceof Error ? err.message : String(err);
    job.reject(new SandboxError('worker-died', `module ${job.handle.label}: ${message}; the worker was replaced`, 0, { cause: err }));
    mailbox.kill(err);
  }

  #release(mailbox: Mailbox): void {
    mailbox.busy = false;
    this.#inFlight--;
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.size > 0) {
      const mailbox = this.#idleMailbox();
      if (mailbox === undefined) break;
      this.#dispatch(this.#queue.shift()!, mailbox);
    }
    if (this.#inFlight === 0 && this.#queue.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Terminates every worker and waits for their replacements to serve: instances (and their guest
   * memory) are dropped, modules are instantiated again on next use. Waits for running batches first.
   */
  async restartWorkers(): Promise<void> {
    await this.drain();
    // Only workers that have booted are terminated: piscina stops replacing workers once one
    // dies during its start.
    await this.#workers.ready();
    await this.#whenServing(() => this.#servingCount() >= this.#workers.threads);
    const old = new Set(this.#mailboxes);
    const started = this.#workers.workersStarted;
    for (const id of this.#workers.threadIds()) this.#workers.terminate(id);
    await this.#workers.ready(started + this.#workers.threads);
    await this.#whenServing(() => {
      let n = 0;
      for (const m of this.#mailboxes) if (m.ready && !old.has(m)) n++;
      return n >= this.#workers.threads;
    });
  }

  /** Resolves when no batch is queued or running. */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): SandboxPoolStats {
    return {
      threads: this.#workers.threads,
      inFlight: this.#inFlight,
      queued: this.#queue.size,
      completed: this.#completed,
      failed: this.#failed,
      deadlinesMissed: this.#deadlinesMissed,
      workersStarted: this.#workers.workersStarted,
      workersReplaced: this.#workers.workersReplaced,
      syncWaits: this.#syncWaits,
      syncReplies: this.#syncReplies,
      moduleKeys: this.#keys.size,
      pollingOn: pollingPays(this.#polling),
      othersLoad: othersLoad(),
    };
  }

  /** Refuses new batches, fails the queued ones, lets running ones finish (each within its deadline), stops the workers. */
  async close(): Promise<void> {
    if (this.#closing) {
      await this.drain();
      await this.#workers.close();
      return;
    }
    this.#closing = true;
    for (const job of this.#queue.takeAll()) {
      this.#failed++;
      job.reject(new PoolClosedError());
    }
    await this.drain();
    // Serving tasks end on STOP; one whose worker has not picked it up yet is dropped from piscina's queue.
    for (const m of this.#mailboxes) {
      if (m.ready) m.stop();
      else m.kill(new PoolClosedError());
    }
    await this.#workers.close();
  }
}
