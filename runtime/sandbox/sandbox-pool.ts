/**
 * Runs modules isolated in worker threads. The pool keeps a bounded queue of batches and hands a
 * worker at most one batch at a time, so every call's deadline is counted from the moment it is
 * dispatched, not from when it was queued. A missed deadline terminates that worker (piscina starts
 * a replacement); batches of other modules keep running on the other workers.
 */
import { SANDBOX_DEADLINE_MS_DEFAULT, SANDBOX_QUEUE_MAX_BATCHES, SANDBOX_THREADS_DEFAULT } from '../constants.js';
import type { LoadedModule } from '../module-loader.js';
import { DeadlineExceededError, PoolClosedError, SandboxError } from './errors.js';
import { ownBuffer, type RunReply, type RunTask } from './messages.js';
import { ModuleHandle, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput } from './runner.js';
import { TaskQueue } from './task-queue.js';
import { TaskSignal, WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

export interface SandboxPoolOptions {
  threads?: number;
  queueMaxBatches?: number;
  deadlineMsDefault?: number;
  resourceLimits?: WorkerPoolOptions['resourceLimits'];
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
}

interface Job {
  handle: ModuleHandle;
  input: ArrayBuffer;
  state: ArrayBuffer | null;
  deadlineMs: number;
  resolve: (out: RunOutput) => void;
  reject: (err: SandboxError) => void;
}

export class SandboxPool implements ModuleRunner {
  readonly mode = 'sandbox' as const;
  readonly deadlineMsDefault: number;
  #workers: WorkerPool;
  #queue: TaskQueue<Job>;
  #inFlight = 0;
  #closing = false;
  #completed = 0;
  #failed = 0;
  #deadlinesMissed = 0;
  #idleWaiters: (() => void)[] = [];

  private constructor(workers: WorkerPool, options: SandboxPoolOptions) {
    this.deadlineMsDefault = options.deadlineMsDefault ?? SANDBOX_DEADLINE_MS_DEFAULT;
    this.#workers = workers;
    this.#queue = new TaskQueue(options.queueMaxBatches ?? SANDBOX_QUEUE_MAX_BATCHES);
    workers.onCapacity(() => this.#pump());
  }

  /** Starts the workers and resolves once all of them are up. */
  static async start(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
    const workers = await WorkerPool.start({ threads: options.threads ?? SANDBOX_THREADS_DEFAULT, resourceLimits: options.resourceLimits });
    return new SandboxPool(workers, options);
  }

  register(module: LoadedModule, options: RegisterOptions = {}): ModuleHandle {
    return new ModuleHandle(module, options);
  }

  run(handle: ModuleHandle, input: Uint8Array, state: Uint8Array | null = null, options: RunOptions = {}): Promise<RunOutput> {
    if (this.#closing) return Promise.reject(new PoolClosedError());
    return new Promise<RunOutput>((resolve, reject) => {
      const job: Job = {
        handle,
        input: ownBuffer(input),
        // Always a copy: the caller keeps its state until the new one comes back.
        state: state === null ? null : (state.slice().buffer as ArrayBuffer),
        deadlineMs: options.deadlineMs ?? handle.deadlineMs ?? this.deadlineMsDefault,
        resolve,
        reject,
      };
      if (this.#inFlight < this.#workers.capacity && this.#queue.size === 0) {
        void this.#dispatch(job);
        return;
      }
      try {
        this.#queue.push(job);
      } catch (err) {
        this.#failed++;
        reject(err as SandboxError);
      }
    });
  }

  async #dispatch(job: Job): Promise<void> {
    this.#inFlight++;
    const { handle } = job;
    const signal = new TaskSignal();
    const timer = setTimeout(() => signal.abort(new DeadlineExceededError(job.deadlineMs, handle.label)), job.deadlineMs);
    try {
      const task: RunTask = { key: handle.key, input: job.input, state: job.state };
      let reply = await this.#workers.run(task, transferOf(job.input, job.state), signal);
      if (reply.status === 'miss') {
        // This worker has not seen the module yet: send it along with the same batch.
        const retry: RunTask = { key: handle.key, input: reply.input, state: reply.state, spec: handle.spec };
        reply = await this.#workers.run(retry, transferOf(reply.input, reply.state), signal);
      }
      if (reply.status === 'ok') {
        this.#completed++;
        job.resolve({ output: new Uint8Array(reply.output), state: reply.state === null ? null : new Uint8Array(reply.state) });
      } else if (reply.status === 'error') {
        this.#failed++;
        if (reply.recycleThreadId !== undefined) this.#workers.terminate(reply.recycleThreadId);
        job.reject(new SandboxError(reply.kind, `module ${handle.label}: ${reply.message}`, reply.code));
      } else {
        throw new Error('worker answered miss to a task that carried its module');
      }
    } catch (err) {
      this.#failed++;
      if (signal.aborted && signal.reason instanceof DeadlineExceededError) {
        this.#deadlinesMissed++;
        job.reject(signal.reason);
      } else if (err instanceof SandboxError) {
        job.reject(err);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        job.reject(new SandboxError('worker-died', `module ${handle.label}: worker died during the call (${message}); it was replaced`, 0, { cause: err }));
      }
    } finally {
      clearTimeout(timer);
      this.#inFlight--;
      this.#pump();
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#workers.capacity) {
      const next = this.#queue.shift();
      if (next === undefined) break;
      void this.#dispatch(next);
    }
    if (this.#inFlight === 0 && this.#queue.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Terminates every worker and waits for their replacements: instances (and their guest
   * memory) are dropped, modules are instantiated again on next use. Waits for running batches first.
   */
  async restartWorkers(): Promise<void> {
    await this.drain();
    // Only workers that have booted are terminated: piscina stops replacing workers once one
    // dies during its start.
    await this.#workers.ready();
    const started = this.#workers.workersStarted;
    for (const id of this.#workers.threadIds()) this.#workers.terminate(id);
    await this.#workers.ready(started + this.#workers.threads);
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
    await this.#workers.close();
  }
}

function transferOf(input: ArrayBuffer, state: ArrayBuffer | null): ArrayBuffer[] {
  return state === null ? [input] : [input, state];
}
