/** What `sluice pipeline status` shows: state, lag per partition, records, errors, latency. */
import { chainOf, type AttachmentInfo, type Log } from '../log/index.js';
import type { AttachmentStatsSnapshot } from '../smartmodules/attachment-stats.js';
import type { ModuleHost } from '../smartmodules/module-host.js';
import type { PipelineManager, PipelineState } from './pipeline-manager.js';

export interface PipelineStatus {
  name: string;
  source: string;
  chain: { module: string; kind: string; id: string; params: Record<string, string> }[];
  onError: string;
  deadLetterTopic: string | null;
  state: PipelineState;
  halted: { partition: number; offset: string; reason: string; at: string } | null;
  attachedAt: string;
  partitions: { partition: number; position: string; highWatermark: string; lag: string }[];
  /** Source records behind, over every partition. */
  lag: string;
  stats: AttachmentStatsSnapshot | null;
}

export function pipelineStatus(manager: PipelineManager, log: Pick<Log, 'highWatermark'>, host: ModuleHost, info: AttachmentInfo): PipelineStatus {
  const positions = manager.positions(info);
  const partitions = positions.map((position, partition) => {
    const hw = log.highWatermark(info.source, partition);
    const lag = hw > position ? hw - position : 0n;
    return { partition, position: String(position), highWatermark: String(hw), lag: String(lag) };
  });
  return {
    name: info.name,
    source: info.source,
    chain: chainOf(info).map((s) => ({ module: s.module.name, kind: s.module.kind, id: s.module.id, params: s.params })),
    onError: info.onError,
    deadLetterTopic: info.deadLetterTopic ?? null,
    state: manager.state(info),
    halted: info.halted === null ? null : { partition: info.halted.partition, offset: String(info.halted.offset), reason: info.halted.reason, at: new Date(info.halted.atMs).toISOString() },
    attachedAt: new Date(info.createdAtMs).toISOString(),
    partitions,
    lag: String(partitions.reduce((n, p) => n + BigInt(p.lag), 0n)),
    stats: host.statsOf(info.attachmentId)?.snapshot() ?? null,
  };
}
