/**
 * Attaching, detaching, halting and pausing through the manifest, with the name rules that views
 * and derived topics share with topics. A derived topic is created in the same entry as its
 * pipeline, with the pipeline's start positions.
 */
import { randomUUID } from 'node:crypto';
import { chainOf, type AttachmentHalt, type AttachmentInfo, type AttachmentKind } from './attachments.js';
import { AttachmentExistsError, UnknownAttachmentError, UnknownTopicError } from './errors.js';
import type { Op } from './manifest.js';
import type { PipelinePartition } from './pipelines.js';
import type { LogState } from './state.js';
import { validateTopicName, type Topics } from './topics.js';
import type { TopicConfig } from './types.js';

export interface AttachmentsDeps {
  state: LogState;
  now: () => number;
  checkWritable: () => void;
  write: (ops: Op[]) => Promise<void>;
  topics: Topics;
}

export type AttachmentSpec = Omit<AttachmentInfo, 'attachmentId' | 'createdAtMs' | 'halted'>;

export interface AttachOptions {
  /** Replace an attachment of the same kind and name (re-attach). A pipeline keeps its position. */
  replace?: boolean;
  /** A new derived topic: the source offset each partition's pipeline starts at. */
  startPositions?: bigint[];
  /** A new derived topic's configs. */
  topicConfig?: Partial<TopicConfig>;
}

/** Attaching, detaching, halting and pausing through the manifest. */
export class Attachments {
  private readonly pending = new Set<string>();

  constructor(private readonly deps: AttachmentsDeps) {}

  list(): AttachmentInfo[] {
    return this.deps.state.attachments.all();
  }

  get(kind: AttachmentKind, name: string): AttachmentInfo | undefined {
    return this.deps.state.attachments.get(kind, name);
  }

  /** True when `name` is a view or is being attached as one: no topic may take it. */
  claimsTopicName(name: string): boolean {
    return this.deps.state.attachments.views.has(name) || this.pending.has(pendingKey('view', name));
  }

  /** What reads, guards or writes `topic`, as a deleted topic would leave them dangling. */
  dependents(topic: string): string[] {
    return this.deps.state.attachments.dependingOn(topic).map((a) => (a.kind === 'view' ? `view ${a.name}` : a.kind === 'produce' ? 'a produce check' : `the pipeline of ${a.name}`));
  }

  /**
   * Attaches a module as a view (`name` is the new view), a produce check (`name` is the topic)
   * or the pipeline of a derived topic (`name` is the topic it creates). A view's or derived
   * topic's name must not be a topic's; none may exist yet unless `replace`.
   */
  async attach(spec: AttachmentSpec, options: AttachOptions = {}): Promise<AttachmentInfo> {
    const { topics, state } = this.deps;
    if (!topics.isLive(spec.source)) throw new UnknownTopicError(spec.source);
    if (spec.kind === 'produce' && spec.name !== spec.source) throw new Error('a produce check is named by its topic');
    const existing = state.attachments.get(spec.kind, spec.name);
    const key = pendingKey(spec.kind, spec.name);
    if ((existing !== undefined && options.replace !== true) || this.pending.has(key)) {
      throw new AttachmentExistsError(spec.kind, spec.name, spec.kind === 'view' ? 'already exists' : spec.kind === 'produce' ? 'already has a produce check' : 'is already written by a pipeline');
    }
    if (spec.kind === 'view') {
      validateTopicName(spec.name);
      if (topics.isTaken(spec.name)) throw new AttachmentExistsError('view', spec.name, 'is the name of a topic');
    }
    this.deps.checkWritable();
    const info: AttachmentInfo = { ...spec, params: { ...spec.params }, attachmentId: randomUUID(), createdAtMs: this.deps.now(), halted: null };
    const ops: Op[] = [];
    if (spec.kind === 'derived') {
      if (spec.name === spec.source) throw new AttachmentExistsError('derived', spec.name, 'is the source: a pipeline writes a topic of its own');
      if (spec.deadLetterTopic !== undefined && (!topics.isLive(spec.deadLetterTopic) || spec.deadLetterTopic === spec.name || spec.deadLetterTopic === spec.source)) {
        throw new UnknownTopicError(spec.deadLetterTopic);
      }
      if (existing === undefined) {
        if (this.claimsTopicName(spec.name)) throw new AttachmentExistsError('derived', spec.name, 'is the name of a view');
        const source = state.topics.get(spec.source)!;
        const positions = options.startPositions;
        if (positions === undefined || positions.length !== source.partitions.length) throw new Error(`a new derived topic needs a start position for each of ${source.partitions.length} partitions`);
        const partitions = positions.map((position) => ({ position, states: chainOf(info).map(() => null) }));
        // The derived topic, its pipeline and its start positions in one entry (the topic's pending
        // creation keeps the name from views and other topics meanwhile).
        await topics.createWith(spec.name, source.partitions.length, options.topicConfig, () => [
          { op: 'attach', attachment: info },
          { op: 'pipelineStart', name: spec.name, attachmentId: info.attachmentId, partitions },
        ]);
        return info;
      }
      if (existing.source !== spec.source) throw new AttachmentExistsError('derived', spec.name, `reads ${existing.source}; a re-attach keeps its source`);
      // A halted or paused pipeline stays so until resumed: re-attaching a fixed module is one step, resuming the next.
      info.halted = existing.halted;
      if (existing.paused === true) info.paused = true;
      ops.push({ op: 'attach', attachment: info }, { op: 'pipelineStart', name: spec.name, attachmentId: info.attachmentId, partitions: carriedOver(existing, info, state.pipelines.progress.get(spec.name) ?? []) });
    } else {
      ops.push({ op: 'attach', attachment: info });
    }
    this.pending.add(key);
    try {
      await this.deps.write(ops);
    } finally {
      this.pending.delete(key);
    }
    return info;
  }

  async detach(kind: AttachmentKind, name: string): Promise<AttachmentInfo> {
    const a = this.deps.state.attachments.get(kind, name);
    if (a === undefined) throw new UnknownAttachmentError(kind, name);
    this.deps.checkWritable();
    await this.deps.write([{ op: 'detach', kind, name, attachmentId: a.attachmentId }]);
    return a;
  }

  /** Records that an attachment under the halt policy stopped (once; later halts of the same attachment change nothing). */
  async halt(kind: AttachmentKind, name: string, attachmentId: string, halt: AttachmentHalt): Promise<void> {
    const a = this.deps.state.attachments.get(kind, name);
    if (a === undefined || a.attachmentId !== attachmentId || a.halted !== null) return;
    this.deps.checkWritable();
    await this.deps.write([{ op: 'haltAttachment', kind, name, attachmentId, halt }]);
  }

  /** Pauses or resumes a derived topic's pipeline; resuming also clears a halt. */
  async pause(name: string, paused: boolean): Promise<AttachmentInfo> {
    const a = this.deps.state.attachments.get('derived', name);
    if (a === undefined) throw new UnknownAttachmentError('derived', name);
    this.deps.checkWritable();
    await this.deps.write([{ op: 'pausePipeline', name, attachmentId: a.attachmentId, paused }]);
    return this.deps.state.attachments.get('derived', name) ?? a;
  }
}

/**
 * A re-attached pipeline keeps its positions; a module keeps its aggregate state when the module
 * at its place in the chain has the same name as before (a new version of it reads the old state).
 */
function carriedOver(before: AttachmentInfo, after: AttachmentInfo, progress: PipelinePartition[]): PipelinePartition[] {
  const old = chainOf(before);
  const steps = chainOf(after);
  return progress.map((p) => ({ position: p.position, states: steps.map((s, i) => (old[i]?.module.name === s.module.name ? (p.states[i] ?? null) : null)) }));
}

function pendingKey(kind: AttachmentKind, name: string): string {
  return `${kind}\u0000${name}`;
}
