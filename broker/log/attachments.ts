/**
 * Attachments as cluster state: which SmartModule runs as a view of a topic, or as a check on a
 * topic's produce path. They live in the manifest beside the topics (the same ordering, fencing
 * and recovery), so a broker restarted on an empty machine serves them from the bucket alone,
 * and a view's name shares one namespace with topics.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AttachmentExistsError, UnknownAttachmentError, UnknownTopicError } from './errors.js';
import type { Op } from './manifest.js';
import type { LogState } from './state.js';
import { validateTopicName, type Topics } from './topics.js';

export type AttachmentKind = 'view' | 'produce';
export type AttachmentErrorPolicy = 'skip' | 'halt';

/** Where a halted attachment stopped, and why. */
export interface AttachmentHalt {
  partition: number;
  offset: bigint;
  reason: string;
  atMs: number;
}

export interface AttachmentInfo {
  /** A view: the view's topic name. A produce check: the checked topic. */
  name: string;
  kind: AttachmentKind;
  /** New for every attach: a re-attach under the same name is a new attachment. */
  attachmentId: string;
  /** The topic the module reads (view) or checks (produce). */
  source: string;
  /** The module as it was when attached: a new version under the same name changes nothing until re-attached. */
  module: { name: string; id: string; kind: string };
  params: Record<string, string>;
  onError: AttachmentErrorPolicy;
  createdAtMs: number;
  halted: AttachmentHalt | null;
}

const int64 = z.bigint().min(-(2n ** 63n)).max(2n ** 63n - 1n);

const haltSchema = z.object({
  partition: z.number().int().min(0),
  offset: int64,
  reason: z.string(),
  atMs: z.number(),
});

export const attachmentSchema = z.object({
  name: z.string(),
  kind: z.enum(['view', 'produce']),
  attachmentId: z.string(),
  source: z.string(),
  module: z.object({ name: z.string(), id: z.string().regex(/^[0-9a-f]{64}$/), kind: z.string() }),
  params: z.record(z.string(), z.string()),
  onError: z.enum(['skip', 'halt']),
  createdAtMs: z.number(),
  halted: haltSchema.nullable(),
});

export const attachmentOpSchemas = [
  /** A module attached (or re-attached, replacing the attachment of the same kind and name). */
  z.object({ op: z.literal('attach'), attachment: attachmentSchema }),
  z.object({ op: z.literal('detach'), kind: z.enum(['view', 'produce']), name: z.string(), attachmentId: z.string() }),
  /** An attachment under the halt policy stopped; it stays stopped until detached or re-attached. */
  z.object({ op: z.literal('haltAttachment'), kind: z.enum(['view', 'produce']), name: z.string(), attachmentId: z.string(), halt: haltSchema }),
] as const;

export type AttachmentOp =
  | { op: 'attach'; attachment: AttachmentInfo }
  | { op: 'detach'; kind: AttachmentKind; name: string; attachmentId: string }
  | { op: 'haltAttachment'; kind: AttachmentKind; name: string; attachmentId: string; halt: AttachmentHalt };

/** The attachments of a log state: views by view name, produce checks by topic. */
export class AttachmentTable {
  readonly views = new Map<string, AttachmentInfo>();
  readonly produceChecks = new Map<string, AttachmentInfo>();

  private mapOf(kind: AttachmentKind): Map<string, AttachmentInfo> {
    return kind === 'view' ? this.views : this.produceChecks;
  }

  get(kind: AttachmentKind, name: string): AttachmentInfo | undefined {
    return this.mapOf(kind).get(name);
  }

  all(): AttachmentInfo[] {
    return [...this.views.values(), ...this.produceChecks.values()];
  }

  /** Attachments that read or check `topic`: what deleting the topic would leave dangling. */
  dependingOn(topic: string): AttachmentInfo[] {
    return this.all().filter((a) => a.source === topic);
  }

  apply(op: AttachmentOp): void {
    switch (op.op) {
      case 'attach':
        this.mapOf(op.attachment.kind).set(op.attachment.name, op.attachment);
        return;
      case 'detach': {
        const map = this.mapOf(op.kind);
        if (map.get(op.name)?.attachmentId === op.attachmentId) map.delete(op.name);
        return;
      }
      case 'haltAttachment': {
        const a = this.mapOf(op.kind).get(op.name);
        // A halt reported for an attachment since replaced or detached changes nothing.
        if (a === undefined || a.attachmentId !== op.attachmentId || a.halted !== null) return;
        this.mapOf(op.kind).set(op.name, { ...a, halted: op.halt });
        return;
      }
    }
  }

  /** Topic deleted: a topic that no longer exists has nothing attached to it (the log refuses such deletes; replay is lenient). */
  dropTopic(name: string): void {
    for (const map of [this.views, this.produceChecks]) for (const [k, a] of map) if (a.source === name) map.delete(k);
  }
}

export interface AttachmentsDeps {
  state: LogState;
  now: () => number;
  checkWritable: () => void;
  write: (ops: Op[]) => Promise<void>;
  topics: Topics;
}

/** Attaching, detaching and halting through the manifest, with the name rules views share with topics. */
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

  /** What reads or guards `topic`, as a deleted topic would leave them dangling. */
  dependents(topic: string): string[] {
    return this.deps.state.attachments.dependingOn(topic).map((a) => (a.kind === 'view' ? `view ${a.name}` : 'a produce check'));
  }

  /**
   * Attaches a module as a view (`name` is the new view) or a produce check (`name` is the topic).
   * A view's name must not be a topic; either kind must not exist yet unless `replace`.
   */
  async attach(spec: Omit<AttachmentInfo, 'attachmentId' | 'createdAtMs' | 'halted'>, options: { replace?: boolean } = {}): Promise<AttachmentInfo> {
    const { topics, state } = this.deps;
    if (!topics.isLive(spec.source)) throw new UnknownTopicError(spec.source);
    if (spec.kind === 'produce' && spec.name !== spec.source) throw new Error('a produce check is named by its topic');
    if (spec.kind === 'view') {
      validateTopicName(spec.name);
      if (topics.isTaken(spec.name)) throw new AttachmentExistsError('view', spec.name, 'is the name of a topic');
    }
    const key = pendingKey(spec.kind, spec.name);
    if ((state.attachments.get(spec.kind, spec.name) !== undefined && options.replace !== true) || this.pending.has(key)) {
      throw new AttachmentExistsError(spec.kind, spec.name, spec.kind === 'view' ? 'already exists' : 'already has a produce check');
    }
    this.deps.checkWritable();
    const info: AttachmentInfo = { ...spec, params: { ...spec.params }, attachmentId: randomUUID(), createdAtMs: this.deps.now(), halted: null };
    this.pending.add(key);
    try {
      await this.deps.write([{ op: 'attach', attachment: info }]);
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
}

function pendingKey(kind: AttachmentKind, name: string): string {
  return `${kind}\u0000${name}`;
}
