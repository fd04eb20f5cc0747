/**
 * Runs attached SmartModules for the broker: one sandbox pool (started on first use), the module
 * binaries pinned by attachments (loaded from the bucket by sha256, compiled once), one handle per
 * attachment with its params, and a gate that lets each attachment run one call at a time, so a
 * stuck module holds at most one worker while every other attachment keeps the rest.
 */
import { pathToFileURL } from 'node:url';
import { compiledFile } from '../../runtime/sandbox/worker-path.js';
import type { Logger } from 'pino';
import { BatchBuffers, ModuleRegistry, SandboxError, type LoadedModule, type ModuleHandle, type ModuleRunner, type RunOutput } from '../../runtime/index.js';
import {
  ATTACHMENT_CALL_DEADLINE_MS, ATTACHMENT_CALLS_IN_FLIGHT_MAX, ATTACHMENT_CALLS_QUEUED_MAX, ATTACHMENT_MODULES_LOADED_MAX,
  ATTACHMENT_OUTPUT_MAX_BYTES, BROKER_SANDBOX_HOST_SYNC_WAIT_US,
} from '../constants.js';
import { chainOf, type AttachmentInfo } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';
import type { ObjectStore } from '../storage/object-store.js';
import { AttachmentStats } from './attachment-stats.js';

/** What one module of an attachment needs at run time; dropped when the attachment is detached or replaced. */
export interface AttachmentRuntime {
  info: AttachmentInfo;
  /** Its place in the attachment's chain (0 for views and checks). */
  step: number;
  handle: ModuleHandle;
  /** This attachment's recycled batch buffers (inputs it builds, outputs that come back). */
  buffers: BatchBuffers;
  stats: AttachmentStats;
  /** Calls running and waiting (ATTACHMENT_CALLS_IN_FLIGHT_MAX, ATTACHMENT_CALLS_QUEUED_MAX), oldest first. */
  running: number;
  waiting: (() => void)[];
}

export interface ModuleHostOptions {
  store: ObjectStore;
  logger: Logger;
  metrics?: BrokerMetrics;
  /** A runner to use instead of starting a sandbox pool (tests, the inline benchmark). */
  runner?: ModuleRunner;
  /** Sandbox worker threads (SANDBOX_THREADS_DEFAULT when absent). */
  threads?: number;
  deadlineMs?: number;
}

export class ModuleHost {
  readonly registry: ModuleRegistry;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics | undefined;
  readonly deadlineMs: number;
  #options: ModuleHostOptions;
  #runner: Promise<ModuleRunner> | null = null;
  /** Compiled modules by sha256, least recently used first. */
  #modules = new Map<string, Promise<LoadedModule>>();
  /** By `attachmentId/step`. */
  #runtimes = new Map<string, AttachmentRuntime>();
  /** By attachment id: one for all the modules of a chain. */
  #stats = new Map<string, AttachmentStats>();
  #closed = false;

  constructor(options: ModuleHostOptions) {
    this.#options = options;
    this.registry = new ModuleRegistry(options.store);
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.deadlineMs = options.deadlineMs ?? ATTACHMENT_CALL_DEADLINE_MS;
    if (options.runner !== undefined) this.#runner = Promise.resolve(options.runner);
  }

  /** The sandbox pool, started on first use: a broker without attachments never starts workers. */
  runner(): Promise<ModuleRunner> {
    if (this.#closed) return Promise.reject(new SandboxError('closed', 'module host is closed'));
    // Loaded here: a broker that never runs a module never loads the sandbox (piscina).
    this.#runner ??= import('../../runtime/index.js').then(({ SandboxPool }) => SandboxPool.start({
      ...(this.#options.threads !== undefined ? { threads: this.#options.threads } : {}),
      deadlineMsDefault: this.deadlineMs,
      hostSyncWaitUs: BROKER_SANDBOX_HOST_SYNC_WAIT_US,
      // Views' Kafka batches become ABI batches in the workers (kafka-input.ts).
      inputConverter: pathToFileURL(compiledFile(import.meta.url, 'kafka-input.js', 'broker/smartmodules')).href,
    }));
    return this.#runner;
  }

  /** A module binary by its sha256, validated and compiled once (the bucket is not trusted blindly). */
  module(id: string, name?: string): Promise<LoadedModule> {
    let m = this.#modules.get(id);
    if (m !== undefined) {
      this.#modules.delete(id);
      this.#modules.set(id, m);
      return m;
    }
    m = this.registry.loadById(id, name);
    m.catch(() => this.#modules.delete(id));
    this.#modules.set(id, m);
    if (this.#modules.size > ATTACHMENT_MODULES_LOADED_MAX) this.#modules.delete(this.#modules.keys().next().value!);
    return m;
  }

  /** The runtime of one module of an attachment: registered with its params, with the attachment's stats and its own call gate. */
  async runtimeFor(info: AttachmentInfo, step = 0): Promise<AttachmentRuntime> {
    const key = `${info.attachmentId}/${step}`;
    const rt = this.#runtimes.get(key);
    if (rt !== undefined) return rt;
    const spec = chainOf(info)[step];
    if (spec === undefined) throw new RangeError(`attachment ${info.name} has no step ${step}`);
    const { module: pinned, params } = spec;
    const module = await this.module(pinned.id, pinned.name);
    const runner = await this.runner();
    const existing = this.#runtimes.get(key);
    if (existing !== undefined) return existing;
    let stats = this.#stats.get(info.attachmentId);
    if (stats === undefined) this.#stats.set(info.attachmentId, (stats = new AttachmentStats(info, this.metrics)));
    const created: AttachmentRuntime = {
      info,
      step,
      // Named as the attachment names it: one binary may be registered under several names.
      handle: runner.register({ ...module, name: pinned.name }, { params, limits: { outputMaxBytes: ATTACHMENT_OUTPUT_MAX_BYTES }, deadlineMs: this.deadlineMs }),
      buffers: new BatchBuffers(),
      stats,
      running: 0,
      waiting: [],
    };
    this.#runtimes.set(key, created);
    return created;
  }

  /** The stats of an attachment, if it ran since it was attached. */
  statsOf(attachmentId: string): AttachmentStats | undefined {
    return this.#stats.get(attachmentId);
  }

  /** Drops the runtimes and stats of attachments that no longer exist (detached or replaced). */
  retain(live: Iterable<string>): void {
    const keep = new Set(live);
    for (const [key, rt] of this.#runtimes) if (!keep.has(rt.info.attachmentId)) this.#runtimes.delete(key);
    for (const id of this.#stats.keys()) if (!keep.has(id)) this.#stats.delete(id);
  }

  /**
   * One module call over one ABI batch, in the attachment's turn. The input is handed over with
   * the attachment's buffers; the output is a buffer of theirs (give it back once read).
   * Rejects with SandboxError; `queue-full` when the attachment has too many calls waiting.
   */
  async call(rt: AttachmentRuntime, input: Uint8Array): Promise<Uint8Array> {
    return (await this.callWithState(rt, input, null)).output;
  }

  /** One call with an aggregate's state (kept by the caller until the call succeeds). */
  callWithState(rt: AttachmentRuntime, input: Uint8Array, state: Uint8Array | null): Promise<{ output: Uint8Array; state: Uint8Array | null }> {
    return this.#run(rt, input, state, false);
  }

  /**
   * One call over Kafka batches packed by packKafkaInput: the runner converts them to ABI next to
   * the module. The output is as call() gives it; `converted` says what the input held.
   */
  async convertAndCall(
    rt: AttachmentRuntime, input: Uint8Array, state: Uint8Array | null = null,
  ): Promise<{ output: Uint8Array; state: Uint8Array | null; converted: { records: number; resumeAt: bigint } }> {
    const { output, state: next, converted } = await this.#run(rt, input, state, true);
    if (converted === undefined) throw new SandboxError('input', `module ${rt.handle.label}: the runner did not convert the input`);
    return { output, state: next, converted };
  }

  async #run(rt: AttachmentRuntime, input: Uint8Array, state: Uint8Array | null, convert: boolean): Promise<RunOutput> {
    await this.#turn(rt);
    try {
      const runner = await this.runner();
      return await runner.run(rt.handle, input, state, convert ? { buffers: rt.buffers, convert } : { buffers: rt.buffers });
    } finally {
      rt.running--;
      rt.waiting.shift()?.();
    }
  }

  #turn(rt: AttachmentRuntime): Promise<void> {
    if (rt.running < ATTACHMENT_CALLS_IN_FLIGHT_MAX) {
      rt.running++;
      return Promise.resolve();
    }
    if (rt.waiting.length >= ATTACHMENT_CALLS_QUEUED_MAX) {
      return Promise.reject(new SandboxError('queue-full', `attachment ${rt.info.name}: ${ATTACHMENT_CALLS_QUEUED_MAX} calls already wait for its module`));
    }
    return new Promise((resolve) => {
      rt.waiting.push(() => {
        rt.running++;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const runner = this.#runner;
    this.#runtimes.clear();
    this.#stats.clear();
    if (runner !== null && this.#options.runner === undefined) await (await runner.catch(() => null))?.close();
  }
}
