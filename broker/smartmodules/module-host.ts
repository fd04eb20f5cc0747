/**
 * Runs attached SmartModules for the broker: one sandbox pool (started on first use), the module
 * binaries pinned by attachments (loaded from the bucket by sha256, compiled once), one handle per
 * attachment with its params, and a gate that lets each attachment run one call at a time, so a
 * stuck module holds at most one worker while every other attachment keeps the rest.
 */
import type { Logger } from 'pino';
import { BatchBuffers, ModuleRegistry, SandboxError, type LoadedModule, type ModuleHandle, type ModuleRunner } from '../../runtime/index.js';
import {
  ATTACHMENT_CALL_DEADLINE_MS, ATTACHMENT_CALLS_IN_FLIGHT_MAX, ATTACHMENT_CALLS_QUEUED_MAX, ATTACHMENT_MODULES_LOADED_MAX,
  ATTACHMENT_OUTPUT_MAX_BYTES, BROKER_SANDBOX_HOST_SYNC_WAIT_US,
} from '../constants.js';
import type { AttachmentInfo } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';
import type { ObjectStore } from '../storage/object-store.js';
import { AttachmentStats } from './attachment-stats.js';

/** What an attachment needs at run time; one per attachment id, dropped when it is detached or replaced. */
export interface AttachmentRuntime {
  info: AttachmentInfo;
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
  #runtimes = new Map<string, AttachmentRuntime>();
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

  /** The runtime of an attachment: its module registered with its params, its stats and its call gate. */
  async runtimeFor(info: AttachmentInfo): Promise<AttachmentRuntime> {
    const rt = this.#runtimes.get(info.attachmentId);
    if (rt !== undefined) return rt;
    const module = await this.module(info.module.id, info.module.name);
    const runner = await this.runner();
    const existing = this.#runtimes.get(info.attachmentId);
    if (existing !== undefined) return existing;
    const created: AttachmentRuntime = {
      info,
      handle: runner.register(module, { params: info.params, limits: { outputMaxBytes: ATTACHMENT_OUTPUT_MAX_BYTES }, deadlineMs: this.deadlineMs }),
      buffers: new BatchBuffers(),
      stats: new AttachmentStats(info, this.metrics),
      running: 0,
      waiting: [],
    };
    this.#runtimes.set(info.attachmentId, created);
    return created;
  }

  /** The runtime of an attachment if it has one (it ran at least once since it was attached). */
  runtimeIfAny(attachmentId: string): AttachmentRuntime | undefined {
    return this.#runtimes.get(attachmentId);
  }

  /** Drops the runtimes of attachments that no longer exist (detached or replaced). */
  retain(live: Iterable<string>): void {
    const keep = new Set(live);
    for (const id of this.#runtimes.keys()) if (!keep.has(id)) this.#runtimes.delete(id);
  }

  /**
   * One module call over one ABI batch, in the attachment's turn. The input is handed over with
   * the attachment's buffers; the output is a buffer of theirs (give it back once read).
   * Rejects with SandboxError; `queue-full` when the attachment has too many calls waiting.
   */
  async call(rt: AttachmentRuntime, input: Uint8Array): Promise<Uint8Array> {
    await this.#turn(rt);
    try {
      const runner = await this.runner();
      const out = await runner.run(rt.handle, input, null, { buffers: rt.buffers });
      return out.output;
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
    if (runner !== null && this.#options.runner === undefined) await (await runner.catch(() => null))?.close();
  }
}
