/** `sluice pipeline list|status|pause|resume`: derived topics' pipelines, through the broker's admin API. */
import type { Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { outputOf, print, type ClientFlags } from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

/** What the admin API answers for a pipeline (broker/pipelines/pipeline-status.ts). */
interface PipelineStatus {
  name: string;
  source: string;
  chain: { module: string; kind: string; params: Record<string, string> }[];
  onError: string;
  deadLetterTopic: string | null;
  state: string;
  halted: { partition: number; offset: string; reason: string } | null;
  partitions: { partition: number; position: string; highWatermark: string; lag: string }[];
  lag: string;
  stats: {
    recordsIn: number; recordsOut: number; recordsSkipped: number; errors: Record<string, number>;
    lastError: { kind: string; message: string; partition: number; firstOffset: string; lastOffset: string } | null;
    latencyP50Ms: number | null; latencyP99Ms: number | null;
  } | null;
}

function chainText(p: PipelineStatus): string {
  return p.chain.map((s) => [s.module, ...Object.entries(s.params).map(([k, v]) => `${k}=${v}`)].join(' ')).join(' -> ');
}

function statusLines(p: PipelineStatus): string[] {
  const lines = [
    `pipeline ${p.name}: ${p.state}, from ${p.source} through ${chainText(p)}, on error ${p.onError}${p.deadLetterTopic === null ? '' : ` to ${p.deadLetterTopic}`}`,
  ];
  if (p.halted !== null) lines.push(`  halted at partition ${p.halted.partition} offset ${p.halted.offset}: ${p.halted.reason}`);
  for (const x of p.partitions) lines.push(`  partition ${x.partition}\tposition ${x.position}\thigh watermark ${x.highWatermark}\tlag ${x.lag}`);
  const s = p.stats;
  if (s === null) lines.push('  no step run since the broker started');
  else {
    const errors = Object.entries(s.errors).map(([k, n]) => `${k} ${n}`).join(', ');
    lines.push(`  records in ${s.recordsIn}, out ${s.recordsOut}, failed ${s.recordsSkipped}; step latency p50 ${s.latencyP50Ms?.toFixed(2) ?? '-'} ms, p99 ${s.latencyP99Ms?.toFixed(2) ?? '-'} ms`);
    lines.push(`  errors: ${errors === '' ? 'none' : errors}`);
    if (s.lastError !== null) lines.push(`  last error: ${s.lastError.kind} at partition ${s.lastError.partition} offsets ${s.lastError.firstOffset}..${s.lastError.lastOffset}: ${s.lastError.message}`);
  }
  return lines;
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('derived topics\' pipelines: list, status, pause, resume');
  withBootstrap(pipeline.command('list'))
    .description('every derived topic with its state and lag')
    .action(async (flags: ClientFlags, cmd: Command) => {
      const all = await adminRequest<PipelineStatus[]>(flags.bootstrap, 'GET', '/v1/pipelines');
      if (outputOf(cmd) === 'json') return print(JSON.stringify(all));
      for (const p of all) print(`${p.name}\t${p.source}\t${p.state}\tlag ${p.lag}\t${chainText(p)}`);
    });
  withBootstrap(pipeline.command('status <name>'))
    .description('state, lag per partition, records in and out, errors by kind, the last error, step latency')
    .action(async (name: string, flags: ClientFlags, cmd: Command) => {
      const p = await adminRequest<PipelineStatus>(flags.bootstrap, 'GET', `/v1/pipelines/${encodeURIComponent(name)}`);
      if (outputOf(cmd) === 'json') return print(JSON.stringify(p));
      for (const line of statusLines(p)) print(line);
    });
  for (const [verb, what] of [['pause', 'stop the pipeline where it is (it stays paused across restarts)'], ['resume', 'start a paused or halted pipeline again from its committed position']] as const) {
    withBootstrap(pipeline.command(`${verb} <name>`))
      .description(what)
      .action(async (name: string, flags: ClientFlags, cmd: Command) => {
        const p = await adminRequest<PipelineStatus>(flags.bootstrap, 'POST', `/v1/pipelines/${encodeURIComponent(name)}/${verb}`);
        print(outputOf(cmd) === 'json' ? JSON.stringify(p) : `pipeline ${p.name}: ${p.state}`);
      });
  }
}
