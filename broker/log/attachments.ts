/**
 * Attachments as cluster state: which SmartModule runs as a view of a topic, as a check on a
 * topic's produce path, or as the pipeline of a derived topic. They live in the manifest beside
 * the topics (the same ordering, fencing and recovery), so a broker restarted on an empty
 * machine serves them from the bucket alone, and a view's name shares one namespace with topics.
 */
import { z } from 'zod';

export type AttachmentKind = 'view' | 'produce' | 'derived';
export type AttachmentErrorPolicy = 'skip' | 'halt' | 'dead-letter';
export const ATTACHMENT_KINDS: readonly AttachmentKind[] = ['view', 'produce', 'derived'];

/** A module as an attachment pins it: a new version under the same name changes nothing until re-attached. */
export interface PinnedModule {
  name: string;
  id: string;
  kind: string;
}

/** One module of a derived topic's chain, with its params. */
export interface ChainStep {
  module: PinnedModule;
  params: Record<string, string>;
}

/** Where a halted attachment stopped, and why. */
export interface AttachmentHalt {
  partition: number;
  offset: bigint;
  reason: string;
  atMs: number;
}

export interface AttachmentInfo {
  /** A view: the view's topic name. A produce check: the checked topic. A derived topic: its name. */
  name: string;
  kind: AttachmentKind;
  /** New for every attach: a re-attach under the same name is a new attachment. */
  attachmentId: string;
  /** The topic the module reads (view, derived) or checks (produce). */
  source: string;
  /** The (first) module. */
  module: PinnedModule;
  params: Record<string, string>;
  onError: AttachmentErrorPolicy;
  createdAtMs: number;
  halted: AttachmentHalt | null;
  /** A derived topic's modules after the first, in order. */
  then?: ChainStep[];
  /** A derived topic under the dead-letter policy: where failed records go. */
  deadLetterTopic?: string;
  /** A derived topic's pipeline, stopped by the user until resumed. */
  paused?: boolean;
}

/** Every module of an attachment in order: one for views and checks, the chain for a derived topic. */
export function chainOf(a: AttachmentInfo): ChainStep[] {
  return [{ module: a.module, params: a.params }, ...(a.then ?? [])];
}

const int64 = z.bigint().min(-(2n ** 63n)).max(2n ** 63n - 1n);

const haltSchema = z.object({
  partition: z.number().int().min(0),
  offset: int64,
  reason: z.string(),
  atMs: z.number(),
});

const kindSchema = z.enum(['view', 'produce', 'derived']);
const moduleSchema = z.object({ name: z.string(), id: z.string().regex(/^[0-9a-f]{64}$/), kind: z.string() });

export const attachmentSchema = z.object({
  name: z.string(),
  kind: kindSchema,
  attachmentId: z.string(),
  source: z.string(),
  module: moduleSchema,
  params: z.record(z.string(), z.string()),
  onError: z.enum(['skip', 'halt', 'dead-letter']),
  createdAtMs: z.number(),
  halted: haltSchema.nullable(),
  then: z.array(z.object({ module: moduleSchema, params: z.record(z.string(), z.string()) })).optional(),
  deadLetterTopic: z.string().optional(),
  paused: z.boolean().optional(),
});

export const attachmentOpSchemas = [
  /** A module attached (or re-attached, replacing the attachment of the same kind and name). */
  z.object({ op: z.literal('attach'), attachment: attachmentSchema }),
  z.object({ op: z.literal('detach'), kind: kindSchema, name: z.string(), attachmentId: z.string() }),
  /** An attachment under the halt policy stopped; it stays stopped until detached or re-attached (or resumed). */
  z.object({ op: z.literal('haltAttachment'), kind: kindSchema, name: z.string(), attachmentId: z.string(), halt: haltSchema }),
  /** A derived topic's pipeline paused or resumed by the user; resuming also clears a halt. */
  z.object({ op: z.literal('pausePipeline'), name: z.string(), attachmentId: z.string(), paused: z.boolean() }),
] as const;

export type AttachmentOp =
  | { op: 'attach'; attachment: AttachmentInfo }
  | { op: 'detach'; kind: AttachmentKind; name: string; attachmentId: string }
  | { op: 'haltAttachment'; kind: AttachmentKind; name: string; attachmentId: string; halt: AttachmentHalt }
  | { op: 'pausePipeline'; name: string; attachmentId: string; paused: boolean };

/** The attachments of a log state: views by view name, produce checks by topic, pipelines by derived topic. */
export class AttachmentTable {
  readonly views = new Map<string, AttachmentInfo>();
  readonly produceChecks = new Map<string, AttachmentInfo>();
  readonly derived = new Map<string, AttachmentInfo>();

  private mapOf(kind: AttachmentKind): Map<string, AttachmentInfo> {
    return kind === 'view' ? this.views : kind === 'produce' ? this.produceChecks : this.derived;
  }

  get(kind: AttachmentKind, name: string): AttachmentInfo | undefined {
    return this.mapOf(kind).get(name);
  }

  all(): AttachmentInfo[] {
    return [...this.views.values(), ...this.produceChecks.values(), ...this.derived.values()];
  }

  /** Attachments that read, check or write `topic`: what deleting the topic would leave dangling. */
  dependingOn(topic: string): AttachmentInfo[] {
    return this.all().filter((a) => a.source === topic || (a.kind === 'derived' && (a.name === topic || a.deadLetterTopic === topic)));
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
      case 'pausePipeline': {
        const a = this.derived.get(op.name);
        if (a === undefined || a.attachmentId !== op.attachmentId) return;
        this.derived.set(op.name, { ...a, paused: op.paused, halted: op.paused ? a.halted : null });
        return;
      }
    }
  }

  /** Topic deleted: a topic that no longer exists has nothing attached to it (the log refuses such deletes; replay is lenient). */
  dropTopic(name: string): void {
    const gone = new Set(this.dependingOn(name));
    for (const map of [this.views, this.produceChecks, this.derived]) for (const [k, a] of map) if (gone.has(a)) map.delete(k);
  }
}
