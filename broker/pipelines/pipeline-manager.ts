/**
 * Keeps one runner per derived topic whose pipeline should run: started with the broker (so
 * pipelines resume after a restart on an empty machine), and whenever attachments change through
 * the admin API; paused, halted and detached pipelines have none.
 */
import type { Logger } from 'pino';
import type { AttachmentInfo, Log } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ModuleHost } from '../smartmodules/module-host.js';
import { PipelineRunner } from './pipeline-runner.js';
import { objectKeys, stateObjectPrefix } from './state-refs.js';
import { PIPELINE_REFRESH_INTERVAL_MS } from '../constants.js';

export interface PipelineManagerDeps {
  log: Log;
  host: ModuleHost;
  store: ObjectStore;
  logger: Logger;
  metrics?: BrokerMetrics;
}

export type PipelineState = 'running' | 'paused' | 'halted';

export class PipelineManager {
  readonly #deps: PipelineManagerDeps;
  #runners = new Map<string, PipelineRunner>();
  #closed = false;
  /** Serialises refreshes: starting and stopping runners never interleave. */
  #refreshing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout;

  constructor(deps: PipelineManagerDeps) {
    this.#deps = deps;
    // Changes that come through Kafka requests (a source that grew) are picked up here.
    this.#timer = setInterval(() => void this.refresh(), PIPELINE_REFRESH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Starts, restarts and stops runners so that exactly the pipelines that should run do. */
  refresh(): Promise<void> {
    this.#refreshing = this.#refreshing.then(() => this.#refresh()).catch((err: unknown) => {
      this.#deps.logger.error({ err }, 'pipeline refresh failed');
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    const wanted = new Map<string, AttachmentInfo>();
    for (const a of this.#deps.log.listAttachments()) if (a.kind === 'derived' && !a.paused && a.halted === null) wanted.set(a.name, a);
    for (const [name, runner] of this.#runners) {
      const same = wanted.get(name)?.attachmentId === runner.info.attachmentId;
      if (same && runner.partitions === (this.#deps.log.pipelineProgress(name)?.length ?? 0)) continue;
      this.#runners.delete(name);
      await runner.stop();
    }
    for (const [name, info] of wanted) {
      if (this.#runners.has(name)) continue;
      await this.#collectStateObjects(info);
      const runner = new PipelineRunner({ ...this.#deps, onHalt: () => void this.refresh() }, info);
      this.#runners.set(name, runner);
      runner.start();
    }
  }

  /** Deletes state objects of this pipeline that its progress does not name (steps whose entry never landed). */
  async #collectStateObjects(info: AttachmentInfo): Promise<void> {
    const { store, log, logger } = this.#deps;
    const named = new Set((log.pipelineProgress(info.name) ?? []).flatMap((p) => objectKeys(p.states)));
    try {
      let after: string | undefined;
      for (;;) {
        const page = await store.list(stateObjectPrefix(info.name), after);
        if (page.length === 0) break;
        for (const o of page) if (!named.has(o.key)) await store.delete(o.key);
        after = page[page.length - 1]!.key;
      }
    } catch (err) {
      logger.warn({ pipeline: info.name, err }, 'pipeline state objects not collected');
    }
  }

  state(info: AttachmentInfo): PipelineState {
    return info.halted !== null ? 'halted' : info.paused ? 'paused' : 'running';
  }

  /** The positions a running pipeline has committed, per partition (the log's, when it is not running). */
  positions(info: AttachmentInfo): bigint[] {
    return this.#runners.get(info.name)?.positions() ?? (this.#deps.log.pipelineProgress(info.name) ?? []).map((p) => p.position);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#refreshing;
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((r) => r.stop()));
  }
}
