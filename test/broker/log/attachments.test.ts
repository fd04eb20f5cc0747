import { afterEach, describe, expect, test } from 'vitest';
import {
  AttachmentExistsError, TopicExistsError, TopicInUseError, UnknownAttachmentError, UnknownTopicError, type AttachmentInfo,
} from '../../../broker/log/index.js';
import { logsOnTempStore } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const MODULE = { name: 'json-filter', id: 'a'.repeat(64), kind: 'filter' };

function view(name: string, source: string): Omit<AttachmentInfo, 'attachmentId' | 'createdAtMs' | 'halted'> {
  return { name, kind: 'view', source, module: MODULE, params: { field: 'level' }, onError: 'skip' };
}

describe('attachments in the manifest', () => {
  test('a view and a produce check survive a restart, halts included, and detach removes them for good', async () => {
    const { open } = logsOnTempStore('attach', cleanups);
    const log = await open();
    await log.createTopic('logs', 2);
    const v = await log.attach(view('errors', 'logs'));
    const check = await log.attach({ ...view('logs', 'logs'), kind: 'produce', onError: 'halt' });
    await log.haltAttachment('view', 'errors', v.attachmentId, { partition: 1, offset: 42n, reason: 'trap: unreachable', atMs: 1000 });
    // A halt of an attachment since replaced is ignored.
    await log.haltAttachment('produce', 'logs', 'not-its-id', { partition: 0, offset: 1n, reason: 'x', atMs: 1 });
    await log.close();

    const again = await open();
    expect(again.getAttachment('view', 'errors')).toEqual({ ...v, halted: { partition: 1, offset: 42n, reason: 'trap: unreachable', atMs: 1000 } });
    expect(again.getAttachment('produce', 'logs')).toEqual(check);
    await again.detach('view', 'errors');
    await again.writeCheckpoint();
    await again.close();

    const third = await open();
    expect(third.listAttachments().map((a) => [a.kind, a.name])).toEqual([['produce', 'logs']]);
  });

  test('a re-attach replaces the attachment with a new id and clears its halt', async () => {
    const { open } = logsOnTempStore('attach-replace', cleanups);
    const log = await open();
    await log.createTopic('logs', 1);
    const first = await log.attach(view('errors', 'logs'));
    await log.haltAttachment('view', 'errors', first.attachmentId, { partition: 0, offset: 0n, reason: 'deadline', atMs: 1 });
    await expect(log.attach(view('errors', 'logs'))).rejects.toThrow(AttachmentExistsError);
    const second = await log.attach({ ...view('errors', 'logs'), params: { field: 'severity' } }, { replace: true });
    expect(second.attachmentId).not.toBe(first.attachmentId);
    expect(log.getAttachment('view', 'errors')).toMatchObject({ halted: null, params: { field: 'severity' } });
  });

  test('views share one namespace with topics, and a topic in use is not deleted', async () => {
    const { open } = logsOnTempStore('attach-names', cleanups);
    const log = await open();
    await log.createTopic('logs', 1);
    await expect(log.attach(view('errors', 'nope'))).rejects.toThrow(UnknownTopicError);
    await expect(log.attach(view('logs', 'logs'))).rejects.toThrow(AttachmentExistsError);
    await expect(log.attach(view('bad name!', 'logs'))).rejects.toThrow(/invalid topic name/);
    await log.attach(view('errors', 'logs'));
    await expect(log.createTopic('errors', 1)).rejects.toThrow(TopicExistsError);
    await expect(log.deleteTopic('logs')).rejects.toThrow(TopicInUseError);
    await expect(log.detach('produce', 'logs')).rejects.toThrow(UnknownAttachmentError);
    await log.detach('view', 'errors');
    await log.deleteTopic('logs');
    expect(log.listTopics()).toEqual([]);
  });

  test('two attaches of one name racing give one attachment', async () => {
    const { open } = logsOnTempStore('attach-race', cleanups);
    const log = await open();
    await log.createTopic('logs', 1);
    const results = await Promise.allSettled([log.attach(view('errors', 'logs')), log.attach(view('errors', 'logs')), log.createTopic('errors', 1)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(log.listAttachments().length + log.listTopics().filter((t) => t.name === 'errors').length).toBe(1);
  });
});
