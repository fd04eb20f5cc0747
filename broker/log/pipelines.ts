/**
 * The progress of derived topics' pipelines: per source partition, the next source offset to read
 * and the aggregate state of every module of the chain. A pipeline commits its output records,
 * that position and those states in ONE manifest entry (a unit in the append buffer), so after a
 * crash it resumes exactly where its last durable output ends: no record lost, none repeated.
 */
import { z } from 'zod';
import { StalePipelineCommitError, UnknownAttachmentError } from './errors.js';
import type { Op } from './manifest.js';
import type { LogState } from './state.js';

/** An aggregate state as the manifest keeps it: small ones inline, large ones as an object of their own. */
export type StateRef = { inline: string } | { key: string; bytes: number };

export interface PipelinePartition {
  /** The next source offset to read. */
  position: bigint;
  /** One per module of the chain, null when it has none yet (or is not an aggregate). */
  states: (StateRef | null)[];
}

const int64 = z.bigint().min(-(2n ** 63n)).max(2n ** 63n - 1n);
const stateRefSchema = z.union([z.object({ inline: z.string() }), z.object({ key: z.string(), bytes: z.number().int().min(0) })]);
const partitionSchema = z.object({ position: int64, states: z.array(stateRefSchema.nullable()) });

export const pipelineOpSchemas = [
  /** A pipeline starts (or is re-attached): its positions and states, one per source partition. */
  z.object({ op: z.literal('pipelineStart'), name: z.string(), attachmentId: z.string(), partitions: z.array(partitionSchema) }),
  /** One step of a pipeline partition: it read [from, to) and its states are now these. */
  z.object({
    op: z.literal('pipelineProgress'), name: z.string(), attachmentId: z.string(), partition: z.number().int().min(0),
    from: int64, to: int64, states: z.array(stateRefSchema.nullable()),
  }),
] as const;

export const pipelineSnapshotSchema = z.object({ name: z.string(), partitions: z.array(partitionSchema) });

export type PipelineOp =
  | { op: 'pipelineStart'; name: string; attachmentId: string; partitions: PipelinePartition[] }
  | { op: 'pipelineProgress'; name: string; attachmentId: string; partition: number; from: bigint; to: bigint; states: (StateRef | null)[] };

/** Progress by derived topic name. */
export class PipelineTable {
  readonly progress = new Map<string, PipelinePartition[]>();

  apply(op: PipelineOp, attachmentIdOf: (name: string) => string | undefined): void {
    switch (op.op) {
      case 'pipelineStart':
        this.progress.set(op.name, op.partitions.map((p) => ({ position: p.position, states: [...p.states] })));
        return;
      case 'pipelineProgress': {
        const parts = this.progress.get(op.name);
        if (parts === undefined || attachmentIdOf(op.name) !== op.attachmentId) return;
        const p = parts[op.partition];
        if (p === undefined) return;
        if (p.position !== op.from || op.to < op.from) {
          throw new Error(`manifest invariant: pipeline ${op.name}-${op.partition} step ${op.from}..${op.to} does not follow position ${p.position}`);
        }
        parts[op.partition] = { position: op.to, states: [...op.states] };
        return;
      }
    }
  }

  drop(name: string): void {
    this.progress.delete(name);
  }

  /** The derived topic grew: its new partitions start at offset 0 with no state. */
  grow(name: string, partitions: number): void {
    const parts = this.progress.get(name);
    if (parts === undefined) return;
    const steps = parts[0]?.states.length ?? 0;
    while (parts.length < partitions) parts.push({ position: 0n, states: Array.from({ length: steps }, () => null) });
  }

  snapshot(): z.infer<typeof pipelineSnapshotSchema>[] {
    return [...this.progress].map(([name, partitions]) => ({ name, partitions: partitions.map((p) => ({ position: p.position, states: [...p.states] })) }));
  }
}

export interface PipelinesDeps {
  state: LogState;
  checkWritable: () => void;
  /** Appends the records and writes the ops in one manifest entry (a unit). */
  commitUnit: (appends: { topic: string; partition: number; recordSet: Uint8Array }[], ops: Op[]) => Promise<void>;
}

export interface PipelineStep {
  /** The source offsets read: [from, to). */
  from: bigint;
  to: bigint;
  states: (StateRef | null)[];
  /** Output records (whole RecordBatch v2 record sets): the derived topic's, and dead letters. */
  appends: { topic: string; partition: number; recordSet: Uint8Array }[];
}

export class Pipelines {
  /**
   * The position after the last step being written, per pipeline partition: the next step may be
   * written behind it (it lands in the same entry or a later one; a failed entry fails every step
   * behind it too, so positions never skip).
   */
  private readonly pendingTo = new Map<string, bigint>();

  constructor(private readonly deps: PipelinesDeps) {}

  progress(name: string): PipelinePartition[] | undefined {
    return this.deps.state.pipelines.progress.get(name);
  }

  /**
   * Makes one step of a pipeline partition durable. Refused (StalePipelineCommitError) when the
   * attachment was replaced or detached, or the step does not start where the committed position,
   * or the steps being written, end.
   */
  async commit(name: string, attachmentId: string, partition: number, step: PipelineStep): Promise<void> {
    const a = this.deps.state.attachments.get('derived', name);
    if (a === undefined) throw new UnknownAttachmentError('derived', name);
    if (a.attachmentId !== attachmentId) throw new StalePipelineCommitError(name, partition, 'the pipeline was attached again');
    const p = this.progress(name)?.[partition];
    if (p === undefined) throw new StalePipelineCommitError(name, partition, 'no such partition');
    const key = `${name}\u0000${partition}`;
    const expected = this.pendingTo.get(key) ?? p.position;
    if (step.from !== expected) throw new StalePipelineCommitError(name, partition, `the step starts at ${step.from}, the position is ${expected}`);
    this.deps.checkWritable();
    this.pendingTo.set(key, step.to);
    try {
      await this.deps.commitUnit(step.appends, [{ op: 'pipelineProgress', name, attachmentId, partition, from: step.from, to: step.to, states: step.states }]);
      if (this.pendingTo.get(key) === step.to) this.pendingTo.delete(key);
    } catch (err) {
      this.pendingTo.delete(key);
      throw err;
    }
  }
}
