/**
 * Attaching a chain of modules as the pipeline of a derived topic: the checks that come before
 * the log creates the topic and the pipeline in one entry (modules, kinds, params, the
 * dead-letter topic, the start position of every partition).
 */
import { ATTACHMENTS_MAX_COUNT, DERIVED_TOPIC_MAX_MESSAGE_BYTES } from '../constants.js';
import type { AttachmentInfo, ChainStep } from '../log/index.js';
import type { AttachLog, AttachRequest } from './attach.js';
import { AttachError, checkChainParams, moduleEntry } from './attach-checks.js';
import type { ModuleHost } from './module-host.js';

/**
 * The chain rule: an aggregate's output is its running result, so it closes the chain; a chain
 * that needs more after it is a derived topic of a derived topic (whose result is then a topic too).
 */
function checkChain(steps: ChainStep[]): void {
  steps.forEach((s, i) => {
    if (s.module.kind === 'aggregate' && i < steps.length - 1) {
      throw new AttachError(400, 'bad_chain', `module ${s.module.name} is an aggregate and must be the last of a chain (it is step ${i + 1} of ${steps.length}); put what follows it in a derived topic of this one`);
    }
  });
}

/** Where each source partition's pipeline starts: earliest, latest, an offset or a time. */
async function startPositions(log: AttachLog, topic: string, partitions: number, start: string): Promise<bigint[]> {
  const all = Array.from({ length: partitions }, (_, p) => p);
  if (start === 'earliest') return all.map((p) => log.logStartOffset(topic, p));
  if (start === 'latest') return all.map((p) => log.highWatermark(topic, p));
  if (/^\d+$/.test(start)) {
    const offset = BigInt(start);
    return all.map((p) => {
      const hw = log.highWatermark(topic, p);
      const low = log.logStartOffset(topic, p);
      if (offset > hw) throw new AttachError(400, 'bad_start', `--start ${start} is past the end of ${topic}-${p} (high watermark ${hw})`);
      if (offset < low) throw new AttachError(400, 'bad_start', `--start ${start} is before the start of ${topic}-${p} (log start ${low})`);
      return offset;
    });
  }
  const ms = Date.parse(start);
  if (!/[-:T]/.test(start) || Number.isNaN(ms)) throw new AttachError(400, 'bad_start', `--start: expected earliest, latest, an offset or an ISO 8601 time, got ${JSON.stringify(start)}`);
  if (ms > Date.now()) throw new AttachError(400, 'bad_start', `--start ${start} is in the future, past the end of ${topic}`);
  return Promise.all(all.map(async (p) => (await log.offsetForTimestamp(topic, p, BigInt(ms)))?.offset ?? log.highWatermark(topic, p)));
}

export async function attachDerived(host: ModuleHost, log: AttachLog, req: AttachRequest): Promise<AttachmentInfo> {
  const name = req.to;
  if (name === undefined || name === '') throw new AttachError(400, 'bad_request', 'a derived topic needs a name (--to <topic>)');
  const source = log.getTopic(req.topic);
  if (source === undefined) {
    throw new AttachError(404, 'unknown_topic', log.getAttachment('view', req.topic) !== undefined
      ? `${req.topic} is a view; a pipeline reads a topic (the view's source, or a derived topic)`
      : `topic ${JSON.stringify(req.topic)} does not exist`);
  }
  const existing = log.getAttachment('derived', name);
  if (existing !== undefined && req.replace !== true) {
    throw new AttachError(409, 'exists', `topic ${name} is already written by a pipeline (from ${existing.source}); detach it first or attach with --replace`);
  }
  if (existing === undefined) {
    if (log.getTopic(name) !== undefined) throw new AttachError(409, 'exists', `topic ${name} exists and is not a pipeline's; --to names a topic the pipeline creates`);
    if (log.getAttachment('view', name) !== undefined) throw new AttachError(409, 'exists', `${name} is a view; --to names a topic the pipeline creates`);
    if (log.listAttachments().length >= ATTACHMENTS_MAX_COUNT) throw new AttachError(409, 'too_many', `this cluster has ${ATTACHMENTS_MAX_COUNT} attachments, the most it keeps (ATTACHMENTS_MAX_COUNT)`);
  }
  if (name === req.topic) throw new AttachError(400, 'bad_request', `--to ${name} is the source; a pipeline writes a topic of its own`);
  const onError = req.onError ?? 'skip';
  if (onError !== 'skip' && onError !== 'halt' && onError !== 'dead-letter') throw new AttachError(400, 'bad_request', `--on-error must be skip, halt or dead-letter:<topic>, not ${JSON.stringify(onError)}`);
  if (onError === 'dead-letter') {
    const dlt = req.deadLetterTopic;
    if (dlt === undefined || dlt === '') throw new AttachError(400, 'bad_request', '--on-error dead-letter needs a topic: dead-letter:<topic>');
    if (log.getTopic(dlt) === undefined) throw new AttachError(404, 'unknown_topic', `dead-letter topic ${JSON.stringify(dlt)} does not exist; create it first`);
    if (dlt === req.topic || dlt === name) throw new AttachError(400, 'bad_request', `dead-letter topic ${dlt} must be neither the source nor the derived topic`);
  }
  const wanted = [{ module: req.module, params: req.params ?? {} }, ...(req.then ?? []).map((t) => ({ module: t.module, params: t.params ?? {} }))];
  const steps: ChainStep[] = [];
  for (const w of wanted) {
    const entry = await moduleEntry(host, w.module);
    steps.push({ module: { name: entry.name, id: entry.id, kind: entry.kind }, params: { ...w.params } });
  }
  checkChain(steps);
  await checkChainParams(host, steps);
  const positions = existing === undefined ? await startPositions(log, req.topic, source.partitions, req.start ?? 'earliest') : undefined;
  const [first, ...then] = steps;
  return log.attach(
    {
      name, kind: 'derived', source: req.topic, module: first!.module, params: first!.params, onError,
      ...(then.length > 0 ? { then } : {}),
      ...(onError === 'dead-letter' ? { deadLetterTopic: req.deadLetterTopic! } : {}),
    },
    { replace: req.replace === true, ...(positions !== undefined ? { startPositions: positions } : {}), topicConfig: { maxMessageBytes: DERIVED_TOPIC_MAX_MESSAGE_BYTES } },
  );
}
