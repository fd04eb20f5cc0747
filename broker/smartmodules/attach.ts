/**
 * Attaching and detaching modules, and what an attachment reports: the checks every way in
 * (admin API, CLI) goes through, so a bad request changes nothing and says why in one line.
 */
import { ATTACHMENTS_MAX_COUNT } from '../constants.js';
import type { AttachmentErrorPolicy, AttachmentInfo, AttachmentKind, Log } from '../log/index.js';
import { attachDerived } from './attach-derived.js';
import { AttachError, checkParams, checkParamShape, moduleEntry } from './attach-checks.js';

export { AttachError } from './attach-checks.js';
import type { AttachmentStatsSnapshot } from './attachment-stats.js';
import type { ModuleHost } from './module-host.js';

/** Module kinds each attachment can run: both keep one output record per input record at most, at its offset. */
const KINDS_FOR: Readonly<Record<AttachmentKind, readonly string[]>> = {
  view: ['filter', 'map', 'filter_map'],
  produce: ['filter', 'map', 'filter_map'],
  derived: ['filter', 'map', 'filter_map', 'array_map', 'aggregate'],
};

export interface AttachRequest {
  kind: AttachmentKind;
  module: string;
  /** The source topic (view, derived) or checked topic (produce). */
  topic: string;
  /** The view's name. */
  as?: string;
  /** The derived topic's name. */
  to?: string;
  params?: Record<string, string>;
  /** A derived topic's modules after the first, in order. */
  then?: { module: string; params?: Record<string, string> }[];
  onError?: AttachmentErrorPolicy;
  /** A derived topic under the dead-letter policy: where failed records go. */
  deadLetterTopic?: string;
  /** A new derived topic: earliest, latest, a source offset, or a time (ISO 8601). */
  start?: string;
  /** Replace an attachment of the same name (re-attach; a pipeline keeps its position). */
  replace?: boolean;
}

export type AttachLog = Pick<Log, 'getTopic' | 'getAttachment' | 'listAttachments' | 'attach' | 'detach' | 'highWatermark' | 'logStartOffset' | 'offsetForTimestamp'>;

export async function attachModule(host: ModuleHost, log: AttachLog, req: AttachRequest): Promise<AttachmentInfo> {
  if (req.kind === 'derived') return attachDerived(host, log, req);
  const name = req.kind === 'view' ? req.as : req.topic;
  if (name === undefined || name === '') throw new AttachError(400, 'bad_request', 'a view needs a name (--as <view>)');
  const params = req.params ?? {};
  checkParamShape(params);
  if (log.getTopic(req.topic) === undefined) {
    throw new AttachError(404, 'unknown_topic', log.getAttachment('view', req.topic) !== undefined
      ? `${req.topic} is a view; attach to its source topic instead`
      : `topic ${JSON.stringify(req.topic)} does not exist`);
  }
  const existing = log.getAttachment(req.kind, name);
  if (existing !== undefined && req.replace !== true) {
    throw new AttachError(409, 'exists', req.kind === 'view'
      ? `view ${name} already exists (module ${existing.module.name}); detach it first or attach with --replace`
      : `topic ${name} already has a produce check (module ${existing.module.name}); detach it first or attach with --replace`);
  }
  if (req.kind === 'view' && log.getTopic(name) !== undefined) throw new AttachError(409, 'exists', `${name} is a topic; a view needs a name of its own`);
  if (existing === undefined && log.listAttachments().length >= ATTACHMENTS_MAX_COUNT) {
    throw new AttachError(409, 'too_many', `this cluster has ${ATTACHMENTS_MAX_COUNT} attachments, the most it keeps (ATTACHMENTS_MAX_COUNT)`);
  }
  const entry = await moduleEntry(host, req.module);
  if (!KINDS_FOR[req.kind].includes(entry.kind)) {
    const what = req.kind === 'view' ? 'a view' : 'a produce check';
    throw new AttachError(400, 'wrong_kind', `module ${entry.name} is ${entry.kind === 'array_map' || entry.kind === 'aggregate' ? 'an' : 'a'} ${entry.kind}; ${what} runs only ${KINDS_FOR[req.kind].join(', ')} modules` +
      (entry.kind === 'array_map' || entry.kind === 'aggregate' ? ` (an ${entry.kind} needs a derived topic: attach --from <topic> --to <derived>)` : ''));
  }
  const onError = req.onError ?? 'skip';
  if (onError !== 'skip' && onError !== 'halt') throw new AttachError(400, 'bad_request', `--on-error must be skip or halt, not ${JSON.stringify(onError)}`);
  await checkParams(host, entry, params);
  return log.attach(
    { name, kind: req.kind, source: req.topic, module: { name: entry.name, id: entry.id, kind: entry.kind }, params, onError },
    { replace: req.replace === true },
  );
}

export async function detachModule(host: ModuleHost, log: AttachLog, kind: AttachmentKind, name: string): Promise<AttachmentInfo> {
  if (log.getAttachment(kind, name) === undefined) {
    throw new AttachError(404, 'not_attached', kind === 'view' ? `no view named ${JSON.stringify(name)}` : kind === 'produce' ? `topic ${JSON.stringify(name)} has no produce check` : `no pipeline writes ${JSON.stringify(name)}`);
  }
  const detached = await log.detach(kind, name);
  host.retain(log.listAttachments().map((a) => a.attachmentId));
  return detached;
}

/** Attachments that run `moduleName`, or the binary it names now: what keeps it from being deleted. */
export function attachmentsUsing(log: AttachLog, moduleName: string, moduleId?: string): AttachmentInfo[] {
  return log.listAttachments().filter((a) => a.module.name === moduleName || (moduleId !== undefined && a.module.id === moduleId));
}

export interface AttachmentStatus {
  name: string;
  kind: AttachmentKind;
  source: string;
  module: AttachmentInfo['module'];
  params: Record<string, string>;
  onError: AttachmentErrorPolicy;
  attachedAt: string;
  state: 'running' | 'halted';
  halted: { partition: number; offset: string; reason: string; at: string } | null;
  stats: AttachmentStatsSnapshot | null;
}

export function attachmentStatus(host: ModuleHost, a: AttachmentInfo): AttachmentStatus {
  return {
    name: a.name,
    kind: a.kind,
    source: a.source,
    module: a.module,
    params: a.params,
    onError: a.onError,
    attachedAt: new Date(a.createdAtMs).toISOString(),
    state: a.halted === null ? 'running' : 'halted',
    halted: a.halted === null ? null : { partition: a.halted.partition, offset: String(a.halted.offset), reason: a.halted.reason, at: new Date(a.halted.atMs).toISOString() },
    stats: host.statsOf(a.attachmentId)?.snapshot() ?? null,
  };
}
