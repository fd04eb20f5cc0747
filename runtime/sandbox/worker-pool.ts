/**
 * The lifecycle of the sandbox's worker threads: start them with resource limits, replace any
 * that dies or is terminated, retire one on request, drain, close. It knows nothing of modules
 * or of the task queue.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import {
  SANDBOX_CLOSE_TIMEOUT_MS,
  SANDBOX_QUEUE_MAX_BATCHES,
  SANDBOX_WORKER_OLD_GENERATION_MB,
  SANDBOX_WORKER_STACK_MB,
  SANDBOX_WORKER_YOUNG_GENERATION_MB,
} from '../constants.js';
import type { PingTask } from './messages.js';
import type { ServeTask } from './mailbox-layout.js';
import { sandboxWorkerPath } from './worker-path.js';

export interface WorkerPoolOptions {
  threads: number;
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
}

/** The minimal abort signal piscina listens to: cheaper than an AbortController per batch. */
export class TaskSignal {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | null = null;
  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }
  removeEventListener(): void {
    this.#listener = null;
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = null;
    listener?.();
  }
}

/** What piscina's balancer sees of a worker. */
interface BalancedWorker {
  readonly id: number;
  readonly currentUsage: number;
}

export class WorkerPool {
  readonly threads: number;
  #piscina: Piscina<ServeTask | PingTask, 'stopped' | 'pong'>;
  #started = 0;
  /** Workers that have loaded the worker file (piscina's own first workers say so before they have). */
  #booted = new WeakSet<Worker>();
  /**
   * Workers being terminated on purpose: they take no new batch while they exit. Kept as Worker
   * objects because a worker's threadId reads -1 once it has exited.
   */
  #retiring = new Set<Worker>();
  #closed = false;
  #startingUp = true;
  #readyWaiters: { startedAtLeast: number; resolve: () => void }[] = [];

  private constructor(PiscinaClass: typeof Piscina, options: WorkerPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
    this.threads = options.threads;
    this.#piscina = new PiscinaClass({
      filename: sandboxWorkerPath(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // Workers stay up: a module's instance lives in its worker, and starting one costs tens of ms.
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      // The sandbox pool keeps its own bounded queue; this only bounds what piscina may hold briefly.
      maxQueue: SANDBOX_QUEUE_MAX_BATCHES,
      atomics: 'sync',
      closeTimeout: SANDBOX_CLOSE_TIMEOUT_MS,
      // One batch per worker, never to a worker that is being retired.
      loadBalancer: (_task, workers) => {
        for (const w of workers as BalancedWorker[]) if (w.currentUsage === 0 && !this.#isRetiring(w.id)) return w as never;
        return null;
      },
      resourceLimits: {
        maxOldGenerationSizeMb: options.resourceLimits?.maxOldGenerationSizeMb ?? SANDBOX_WORKER_OLD_GENERATION_MB,
        maxYoungGenerationSizeMb: options.resourceLimits?.maxYoungGenerationSizeMb ?? SANDBOX_WORKER_YOUNG_GENERATION_MB,
        stackSizeMb: options.resourceLimits?.stackSizeMb ?? SANDBOX_WORKER_STACK_MB,
      },
    });
    // piscina announces a replacement worker only once it has loaded our worker file; the first
    // ones are marked booted by the ping in start().
    this.#piscina.on('workerCreate', (w: BalancedWorker) => {
      this.#started++;
      if (!this.#startingUp) {
        const worker = this.#piscina.threads.find((t) => t.threadId === w.id);
        if (worker !== undefined) this.#booted.add(worker);
      }
      this.#changed();
    });
    // Emitted before piscina drops the worker from its list: count again once it has.
    this.#piscina.on('workerDestroy', () => queueMicrotask(() => this.#changed()));
    // A worker that dies with no batch running is simply replaced; without a listener the
    // 'error' event would crash the host.
    this.#piscina.on('error', () => {});
  }

  /**
   * Starts the workers and resolves once each has loaded the worker file and answered: piscina
   * counts its first workers as ready before they are, and a batch's deadline must not pay for
   * a worker's start.
   */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    // Loaded with the first pool, not with the module: a broker without attachments never needs it.
    const { Piscina: PiscinaClass } = await import('piscina');
    const pool = new WorkerPool(PiscinaClass, options);
    const pings = [];
    for (let i = 0; i < pool.threads; i++) pings.push(pool.#piscina.run({ ping: true }));
    await Promise.all(pings);
    for (const worker of pool.#piscina.threads) pool.#booted.add(worker);
    pool.#startingUp = false;
    pool.#changed();
    await pool.ready();
    return pool;
  }

  /** Workers up and not retiring: how many batches may run at once right now. */
  get capacity(): number {
    this.#forgetExited();
    let n = 0;
    for (const w of this.#piscina.threads) if (w.threadId >= 0 && this.#booted.has(w) && !this.#retiring.has(w)) n++;
    return n;
  }

  #isRetiring(threadId: number): boolean {
    for (const w of this.#retiring) if (w.threadId === threadId) return true;
    return false;
  }

  /** A retired worker that has exited is gone from piscina's list: stop tracking it. */
  #forgetExited(): void {
    for (const w of this.#retiring) if (w.threadId < 0) this.#retiring.delete(w);
  }

  #changed(): void {
    this.#readyWaiters = this.#readyWaiters.filter((w) => {
      if (!this.#isReady(w.startedAtLeast)) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Resolves once all `threads` workers are up and at least `startedAtLeast` have ever started
   * (replacements count), so a caller can wait for the replacements of workers it terminated.
   */
  ready(startedAtLeast = this.threads): Promise<void> {
    if (this.#isReady(startedAtLeast)) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push({ startedAtLeast, resolve }));
  }

  #isReady(startedAtLeast: number): boolean {
    if (this.#startingUp) return false;
    return this.#started >= startedAtLeast && this.capacity >= this.threads;
  }

  /**
   * Runs one task on a free worker (for the sandbox: the task that serves a mailbox for as long as
   * the worker lives); a signal abort terminates that worker and starts another.
   */
  run(task: ServeTask, transferList: MessagePort[], signal: TaskSignal): Promise<'stopped'> {
    return this.#piscina.run(task, { transferList: transferList as never, signal }) as Promise<'stopped'>;
  }

  /** Retires the worker with this thread id: no new batch goes to it; piscina starts a replacement. */
  terminate(threadId: number): boolean {
    const worker = this.#piscina.threads.find((w) => w.threadId === threadId);
    if (worker === undefined || this.#retiring.has(worker)) return false;
    this.#retiring.add(worker);
    this.#changed();
    void worker.terminate();
    return true;
  }

  /** Thread ids of the current workers. */
  threadIds(): number[] {
    return this.#piscina.threads.map((w) => w.threadId);
  }

  /** Workers started since the pool was made, replacements included. */
  get workersStarted(): number {
    return this.#started;
  }

  /** Workers started to replace one that was terminated or died. */
  get workersReplaced(): number {
    return Math.max(0, this.#started - this.threads);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.close();
  }
}
