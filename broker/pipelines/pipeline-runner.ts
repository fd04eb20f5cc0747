/**
 * Runs one derived topic's pipeline: a loop per source partition that reads a step of source
 * records, runs them through the chain, and commits the output, the new position and the
 * aggregate states in one manifest entry. Steps are written behind one another while the next is
 * computed, at most PIPELINE_UNCOMMITTED_STEPS_MAX held; the log lands them in order or fails every
 * step behind a failed one. After any failure the loop reads its position from the log again:
 * what landed is never run twice, what did not runs again.
 */
import type { Logger } from 'pino';
import {
  DERIVED_TOPIC_MAX_MESSAGE_BYTES, PIPELINE_IDLE_WAIT_MS, PIPELINE_READ_MAX_BYTES, PIPELINE_RETRY_BASE_MS, PIPELINE_RETRY_MAX_MS,
  PIPELINE_STEP_MAX_BYTES, PIPELINE_STEP_MAX_RECORDS, PIPELINE_STEP_OUTPUT_MAX_BYTES, PIPELINE_UNCOMMITTED_STEPS_MAX,
} from '../constants.js';
import { chainOf, LogError, OffsetOutOfRangeError, UnknownAttachmentError, type AttachmentInfo, type Log, type StateRef } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';
import type { BatchBuffers, HostRecord } from '../../runtime/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { AttachmentRuntime, ModuleHost } from '../smartmodules/module-host.js';
import { endOfBatches, firstBatchWithRecords, packKafkaInput } from '../smartmodules/kafka-input.js';
import { runStep, type ChainFailure, type StepOutput } from './chain.js';
import { iterateBatches } from '../protocol/record-batch.js';
import { outputRecordSet } from '../smartmodules/abi-to-kafka.js';
import { loadStates, objectKeys, saveStates } from './state-refs.js';

export type PipelineLog = Pick<Log,
  'read' | 'highWatermark' | 'logStartOffset' | 'waitForData' | 'getTopic' | 'pipelineProgress' | 'commitPipelineStep' | 'haltAttachment' | 'getAttachment'>;

export interface PipelineDeps {
  log: PipelineLog;
  host: ModuleHost;
  store: ObjectStore;
  logger: Logger;
  metrics?: BrokerMetrics;
  /** The pipeline halted itself: the manager stops it and shows why. */
  onHalt: (name: string) => void;
}

/** A promise awaited later: its rejection is not an unhandled one meanwhile. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/**
 * A step's output as the record set to append (null when it holds no record) and its record count.
 * A buffer of the last module's (`buffers`) goes back to them: what is appended is a copy.
 */
function appendable(output: StepOutput, batchBytes: number, buffers: BatchBuffers): { recordSet: Uint8Array | null; count: number } {
  if ('records' in output) return { recordSet: outputRecordSet(output.records, batchBytes), count: output.records.length };
  // Made in the worker: its batches are only counted here.
  const recordSet = output.recordSet.byteLength === 0 ? null : output.recordSet.slice();
  buffers.give(output.recordSet);
  let count = 0;
  if (recordSet !== null) for (const { header } of iterateBatches(recordSet)) count += header.recordCount;
  return { recordSet, count };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** What one partition's loop holds between steps: the committed position and states. */
interface Cursor {
  position: bigint;
  refs: (StateRef | null)[];
  states: (Uint8Array | null)[];
}

export class PipelineRunner {
  readonly info: AttachmentInfo;
  readonly #deps: PipelineDeps;
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  readonly #positions: bigint[] = [];

  constructor(deps: PipelineDeps, info: AttachmentInfo) {
    this.#deps = deps;
    this.info = info;
  }

  get name(): string {
    return this.info.name;
  }

  start(): void {
    const progress = this.#deps.log.pipelineProgress(this.info.name) ?? [];
    this.#loops = progress.map((p, partition) => {
      this.#positions[partition] = p.position;
      return this.#run(partition).catch((err: unknown) => {
        this.#deps.logger.error({ pipeline: this.info.name, partition, err }, 'pipeline partition stopped on an unexpected error');
      });
    });
  }

  /** The source partitions this runner reads (its pipeline's when it started). */
  get partitions(): number {
    return this.#loops.length;
  }

  /** The committed position of each partition, as this runner knows it. */
  positions(): bigint[] {
    return [...this.#positions];
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  /** The committed position and states of a partition, read from the log. */
  async #reload(partition: number): Promise<Cursor> {
    const p = this.#deps.log.pipelineProgress(this.info.name)?.[partition];
    if (p === undefined) throw new UnknownAttachmentError('derived', this.info.name);
    this.#positions[partition] = p.position;
    return { position: p.position, refs: [...p.states], states: await loadStates(this.#deps.store, p.states) };
  }

  async #run(partition: number): Promise<void> {
    const { host, log, logger } = this.#deps;
    const info = this.info;
    const steps: AttachmentRuntime[] = [];
    for (let i = 0; i < chainOf(info).length; i++) steps.push(await host.runtimeFor(info, i));
    let cursor = await this.#reload(partition);
    let maxRecords = PIPELINE_STEP_MAX_RECORDS;
    let backoff = PIPELINE_RETRY_BASE_MS;
    // Steps being written, oldest first, while the next one is computed (PIPELINE_UNCOMMITTED_STEPS_MAX).
    const writing: Promise<void>[] = [];
    const landed = async (keep = 0): Promise<void> => {
      while (writing.length > keep) await writing.shift()!;
    };
    while (!this.#stopped) {
      try {
        const hw = log.highWatermark(info.source, partition);
        if (cursor.position >= hw) {
          await landed();
          await log.waitForData([{ topic: info.source, partition, offset: cursor.position }], PIPELINE_IDLE_WAIT_MS, this.#abort.signal);
          continue;
        }
        const logStart = log.logStartOffset(info.source, partition);
        if (cursor.position < logStart) {
          // Retention removed records the pipeline had not read: say so, and move on past them.
          logger.warn({ pipeline: info.name, partition, from: String(cursor.position), to: String(logStart) }, 'source records removed by retention before the pipeline read them');
          await landed();
          cursor = await this.#write(partition, cursor, logStart, cursor.states, [], (w) => writing.push(w));
          continue;
        }
        const read = await log.read(info.source, partition, cursor.position, PIPELINE_READ_MAX_BYTES);
        // Batches with no record from the position on (control and empty batches, gaps) are passed
        // over here; the rest go to the first module's worker as stored, which converts them.
        const start = firstBatchWithRecords(read.records, cursor.position);
        if (start === read.records.length) {
          // Only control batches or gaps: the position moves on with nothing to write.
          const to = read.records.length === 0 ? cursor.position : endOfBatches(read.records, read.records.length);
          await landed();
          cursor = await this.#write(partition, cursor, to, cursor.states, [], (w) => writing.push(w));
          continue;
        }
        const first = cursor.position;
        const packed = packKafkaInput(read.records, start, first, maxRecords, PIPELINE_STEP_MAX_BYTES, PIPELINE_STEP_MAX_BYTES, steps[0]!.buffers);
        const last = endOfBatches(read.records, start + packed.batches) - 1n;
        const started = performance.now();
        const result = await runStep(host, log, info, steps, partition, packed.input, first, last, maxRecords, cursor.states, DERIVED_TOPIC_MAX_MESSAGE_BYTES);
        if (result.status === 'retry') {
          await landed();
          await sleep(backoff, this.#abort.signal);
          backoff = Math.min(backoff * 2, PIPELINE_RETRY_MAX_MS);
          continue;
        }
        if (result.status === 'halt') {
          await landed();
          await this.#halt(partition, result.failure);
          return;
        }
        const { to, records: count } = result;
        const { recordSet: output, count: outCount } = appendable(result.output, DERIVED_TOPIC_MAX_MESSAGE_BYTES, steps[steps.length - 1]!.buffers);
        const deadLetters = this.#deadLetterSet(result.deadLetters, partition);
        const outputBytes = (output?.byteLength ?? 0) + (deadLetters?.recordSet.byteLength ?? 0);
        if (outputBytes > PIPELINE_STEP_OUTPUT_MAX_BYTES && count > 1) {
          // Too much output for one entry: the same position again, with fewer records.
          maxRecords = Math.max(1, count >> 1);
          continue;
        }
        const appends: { topic: string; partition: number; recordSet: Uint8Array }[] = [];
        if (output !== null) appends.push({ topic: info.name, partition, recordSet: output });
        if (deadLetters !== null) appends.push({ topic: info.deadLetterTopic!, partition: deadLetters.partition, recordSet: deadLetters.recordSet });
        // At most PIPELINE_UNCOMMITTED_STEPS_MAX steps held: the oldest must land first.
        await landed(PIPELINE_UNCOMMITTED_STEPS_MAX - 1);
        cursor = await this.#write(partition, cursor, to, result.states, appends, (w) => {
          writing.push(settledLater(w.then(() => {
            const ms = performance.now() - started;
            const stats = host.statsOf(info.attachmentId);
            stats?.call(count, outCount, ms);
            this.#deps.metrics?.pipelineRecordsIn.inc({ pipeline: info.name }, count);
            this.#deps.metrics?.pipelineRecordsOut.inc({ pipeline: info.name }, outCount);
            this.#deps.metrics?.pipelineBatchLatency.observe({ pipeline: info.name }, ms / 1000);
            for (const f of result.failures) this.#reportFailure(partition, f);
          })));
        });
        maxRecords = Math.min(maxRecords * 2, PIPELINE_STEP_MAX_RECORDS);
        backoff = PIPELINE_RETRY_BASE_MS;
      } catch (err) {
        // Steps still being written settle first: what landed is read back below.
        for (const w of writing.splice(0)) await w.catch(() => undefined);
        if (this.#stopped || err instanceof UnknownAttachmentError) return;
        if (err instanceof OffsetOutOfRangeError) {
          // The source moved under the read (retention): the next turn looks at its log start.
        } else if (!(err instanceof LogError) || !err.retriable) {
          logger.error({ pipeline: info.name, partition, err }, 'pipeline step failed; retrying');
        } else {
          logger.debug({ pipeline: info.name, partition, err: (err as Error).message }, 'pipeline step not committed; retrying');
        }
        await sleep(backoff, this.#abort.signal);
        backoff = Math.min(backoff * 2, PIPELINE_RETRY_MAX_MS);
        if (this.#stopped) return;
        cursor = await this.#reload(partition);
      }
    }
    for (const w of writing.splice(0)) await w.catch(() => undefined);
  }

  #reportFailure(partition: number, f: ChainFailure): void {
    const info = this.info;
    this.#deps.host.statsOf(info.attachmentId)?.failure({ kind: f.kind, message: f.message, partition, firstOffset: String(f.firstOffset), lastOffset: String(f.lastOffset), atMs: Date.now() }, f.records);
    this.#deps.metrics?.moduleErrors.inc({ pipeline: info.name, module: f.module, kind: f.kind });
    this.#deps.logger.warn({ pipeline: info.name, topic: info.source, partition, offset: String(f.firstOffset), lastOffset: String(f.lastOffset), kind: f.kind, err: f.message, policy: info.onError },
      info.onError === 'dead-letter' ? 'pipeline sent records its chain failed on to the dead-letter topic' : 'pipeline skipped records its chain failed on');
  }

  /** Dead letters as one record set for the dead-letter topic's partition of the source's number (modulo its count). */
  #deadLetterSet(records: HostRecord[], partition: number): { partition: number; recordSet: Uint8Array } | null {
    if (records.length === 0 || this.info.deadLetterTopic === undefined) return null;
    const topic = this.#deps.log.getTopic(this.info.deadLetterTopic);
    if (topic === undefined) throw new Error(`dead-letter topic ${this.info.deadLetterTopic} no longer exists`);
    const recordSet = outputRecordSet(records, topic.config.maxMessageBytes);
    return recordSet === null ? null : { partition: partition % topic.partitions, recordSet };
  }

  /**
   * Saves the step's states, then starts writing the step (its promise goes to `started`, which
   * the caller awaits before the next write) and returns the cursor after it.
   */
  async #write(
    partition: number, cursor: Cursor, to: bigint, states: (Uint8Array | null)[],
    appends: { topic: string; partition: number; recordSet: Uint8Array }[], started: (write: Promise<void>) => void,
  ): Promise<Cursor> {
    const { log, store, logger } = this.#deps;
    const saved = await saveStates(store, this.info.name, partition, states, cursor.states, cursor.refs);
    const write = log.commitPipelineStep(this.info.name, this.info.attachmentId, partition, { from: cursor.position, to, states: saved.refs, appends }).then(
      () => {
        this.#positions[partition] = to;
        const kept = new Set(objectKeys(saved.refs));
        for (const key of objectKeys(cursor.refs)) if (!kept.has(key)) void store.delete(key).catch((err: unknown) => logger.debug({ key, err }, 'old pipeline state object not deleted'));
      },
      (err: unknown) => {
        // The entry may still land (in doubt): its objects stay until the pipeline's next start looks.
        if (!(err instanceof LogError && err.retriable)) for (const key of saved.written) void store.delete(key).catch(() => undefined);
        throw err;
      },
    );
    started(settledLater(write));
    return { position: to, refs: saved.refs, states };
  }

  async #halt(partition: number, failure: ChainFailure): Promise<void> {
    const { log, host, logger } = this.#deps;
    const reason = `${failure.kind} in module ${failure.module}: ${failure.message}`;
    host.statsOf(this.info.attachmentId)?.failure({ kind: failure.kind, message: failure.message, partition, firstOffset: String(failure.firstOffset), lastOffset: String(failure.lastOffset), atMs: Date.now() }, failure.records);
    this.#deps.metrics?.moduleErrors.inc({ pipeline: this.info.name, module: failure.module, kind: failure.kind });
    logger.error({ pipeline: this.info.name, topic: this.info.source, partition, offset: String(failure.firstOffset), lastOffset: String(failure.lastOffset), kind: failure.kind, err: failure.message }, 'pipeline halted');
    await log.haltAttachment('derived', this.info.name, this.info.attachmentId, { partition, offset: failure.firstOffset, reason, atMs: Date.now() }).catch((err: unknown) => {
      logger.warn({ pipeline: this.info.name, err }, 'halt not recorded in the manifest');
    });
    this.#abort.abort();
    this.#deps.onHalt(this.info.name);
  }
}
