import { afterEach, describe, expect, test } from 'vitest';
import {
  AttachmentExistsError, StalePipelineCommitError, TopicExistsError, TopicInUseError, UnknownTopicError, type AttachmentSpec,
} from '../../../broker/log/index.js';
import { AppendBuffer, noPendingWrites, type PendingAppend } from '../../../broker/log/append-buffer.js';
import { FaultInjectingStore } from '../../../broker/storage/fault-store.js';
import { batchOf, logsOnTempStore, recordsOf } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const FILTER = { name: 'json-filter', id: 'a'.repeat(64), kind: 'filter' };
const SUM = { name: 'count-sum', id: 'b'.repeat(64), kind: 'aggregate' };

function derived(name: string, source: string, extra: Partial<AttachmentSpec> = {}): AttachmentSpec {
  return { name, kind: 'derived', source, module: FILTER, params: {}, onError: 'skip', then: [{ module: SUM, params: { field: 'amount' } }], ...extra };
}

describe('derived topics in the manifest', () => {
  test('attaching creates the derived topic with the source partitions, and each step commits output, position and states together', async () => {
    const { open } = logsOnTempStore('pipelines', cleanups);
    const log = await open();
    await log.createTopic('src', 2);
    const a = await log.attach(derived('totals', 'src'), { startPositions: [0n, 5n] });
    expect(log.getTopic('totals')?.partitions).toBe(2);
    expect(log.pipelineProgress('totals')).toEqual([{ position: 0n, states: [null, null] }, { position: 5n, states: [null, null] }]);
    await log.commitPipelineStep('totals', a.attachmentId, 0, { from: 0n, to: 3n, states: [null, { inline: 'AAEC' }], appends: [{ topic: 'totals', partition: 0, recordSet: batchOf(['x', 'y']) }] });
    // A step that starts anywhere but the committed position is refused, as is one of a replaced attachment.
    await expect(log.commitPipelineStep('totals', a.attachmentId, 0, { from: 0n, to: 4n, states: [null, null], appends: [] })).rejects.toThrow(StalePipelineCommitError);
    await expect(log.commitPipelineStep('totals', 'not-its-id', 0, { from: 3n, to: 4n, states: [null, null], appends: [] })).rejects.toThrow(StalePipelineCommitError);
    await log.close();

    const again = await open();
    expect(again.pipelineProgress('totals')![0]).toEqual({ position: 3n, states: [null, { inline: 'AAEC' }] });
    expect(recordsOf((await again.read('totals', 0, 0n, 1 << 20)).records).map((r) => r.value)).toEqual(['x', 'y']);
    await again.writeCheckpoint();
    await again.close();
    const third = await open();
    expect(third.pipelineProgress('totals')![0]!.position).toBe(3n);
  });

  test('a step whose entry fails to land leaves neither its records nor its position', async () => {
    const { store, open } = logsOnTempStore('pipelines-fault', cleanups);
    const faulty = new FaultInjectingStore(store, { seed: 1 });
    const log = await open({ store: faulty });
    await log.createTopic('src', 1);
    const a = await log.attach(derived('out', 'src', { then: [] }), { startPositions: [0n] });
    faulty.failKeys('manifest/', { kind: 'fail', count: 100 });
    await expect(log.commitPipelineStep('out', a.attachmentId, 0, { from: 0n, to: 2n, states: [null], appends: [{ topic: 'out', partition: 0, recordSet: batchOf(['a']) }] })).rejects.toThrow();
    faulty.failKeys('manifest/', { kind: 'fail', count: 0 });
    expect(log.pipelineProgress('out')![0]!.position).toBe(0n);
    expect(log.highWatermark('out', 0)).toBe(0n);
  });

  test('a re-attach keeps positions, keeps a state where its module stays, and stays halted until resumed', async () => {
    const { open } = logsOnTempStore('pipelines-replace', cleanups);
    const log = await open();
    await log.createTopic('src', 1);
    const a = await log.attach(derived('totals', 'src'), { startPositions: [0n] });
    await log.commitPipelineStep('totals', a.attachmentId, 0, { from: 0n, to: 7n, states: [null, { inline: 'c3RhdGU=' }], appends: [] });
    await log.haltAttachment('derived', 'totals', a.attachmentId, { partition: 0, offset: 7n, reason: 'trap', atMs: 1 });
    await expect(log.attach(derived('totals', 'src'), { startPositions: [0n] })).rejects.toThrow(AttachmentExistsError);
    const b = await log.attach(derived('totals', 'src'), { replace: true });
    expect(log.pipelineProgress('totals')).toEqual([{ position: 7n, states: [null, { inline: 'c3RhdGU=' }] }]);
    expect(log.getAttachment('derived', 'totals')?.halted).toMatchObject({ offset: 7n });
    await log.pausePipeline('totals', false);
    expect(log.getAttachment('derived', 'totals')).toMatchObject({ halted: null, paused: false, attachmentId: b.attachmentId });
    // Another module in the aggregate's place starts from no state.
    await log.attach(derived('totals', 'src', { then: [{ module: { ...SUM, name: 'other-sum' }, params: {} }] }), { replace: true });
    expect(log.pipelineProgress('totals')).toEqual([{ position: 7n, states: [null, null] }]);
  });

  test('names and dependencies: --to must be new, the topics a pipeline uses are not deleted', async () => {
    const { open } = logsOnTempStore('pipelines-names', cleanups);
    const log = await open();
    await log.createTopic('src', 1);
    await log.createTopic('dlq', 1);
    await expect(log.attach(derived('src', 'src'), { startPositions: [0n] })).rejects.toThrow(AttachmentExistsError);
    await expect(log.attach(derived('dlq', 'src'), { startPositions: [0n] })).rejects.toThrow(TopicExistsError);
    await expect(log.attach(derived('out', 'src', { onError: 'dead-letter', deadLetterTopic: 'nope' }), { startPositions: [0n] })).rejects.toThrow(UnknownTopicError);
    await log.attach(derived('out', 'src', { onError: 'dead-letter', deadLetterTopic: 'dlq' }), { startPositions: [0n] });
    for (const t of ['src', 'out', 'dlq']) await expect(log.deleteTopic(t)).rejects.toThrow(TopicInUseError);
    await log.detach('derived', 'out');
    expect(log.pipelineProgress('out')).toBeUndefined();
    await log.deleteTopic('out');
    await log.deleteTopic('dlq');
  });
});

describe('units in the append buffer', () => {
  function pending(topic: string, bytes: number): PendingAppend {
    return { topic, topicId: topic, partition: 0, bytes: new Uint8Array(bytes), batches: [], first: 0n, last: 0n, maxTimestamp: 0n, resolve: () => undefined, reject: () => undefined };
  }

  test('a flush takes a unit whole: its appends and its operations in one entry, even past the size bound', () => {
    const buffer = new AppendBuffer(1000, 5);
    buffer.addAppend(pending('a', 600));
    buffer.addUnit([pending('b', 300), pending('c', 300)], { ops: [{ op: 'producerIds', next: 1n }], resolve: () => undefined, reject: () => undefined });
    buffer.addAppend(pending('d', 10));
    const first = buffer.take();
    // 600 + 600 passes the 1000-byte bound: the unit waits for the next flush, whole, and what follows it too.
    expect(first.appends.map((a) => a.topic)).toEqual(['a']);
    expect(first.metas).toHaveLength(0);
    const second = buffer.take();
    expect(second.appends.map((a) => a.topic)).toEqual(['b', 'c', 'd']);
    expect(second.metas).toHaveLength(1);
    expect(buffer.take()).toEqual(noPendingWrites());
  });
});
