/** `sluice attach`, `sluice detach` and `sluice attachment list|status`, through the broker's admin API. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { adminRequest, paramsOf } from '../admin-client.js';
import { outputOf, print, type ClientFlags } from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

/** What the admin API answers for an attachment (broker/smartmodules/attach.ts AttachmentStatus). */
interface AttachmentStatus {
  name: string;
  kind: 'view' | 'produce';
  source: string;
  module: { name: string; id: string; kind: string };
  params: Record<string, string>;
  onError: string;
  attachedAt: string;
  state: 'running' | 'halted';
  halted: { partition: number; offset: string; reason: string; at: string } | null;
  stats: {
    calls: number; recordsIn: number; recordsOut: number; recordsSkipped: number;
    errors: Record<string, number>;
    lastError: { kind: string; message: string; partition: number; firstOffset: string; lastOffset: string } | null;
    latencyP50Ms: number | null; latencyP99Ms: number | null;
  } | null;
}

const repeat = (v: string, acc: string[] = []): string[] => [...acc, v];

function describe(a: AttachmentStatus): string {
  return a.kind === 'view' ? `view ${a.name} of ${a.source}` : `produce check on ${a.source}`;
}

function statusLines(a: AttachmentStatus): string[] {
  const params = Object.entries(a.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const lines = [
    `${describe(a)}: ${a.state}`,
    `  module ${a.module.name} (${a.module.kind}, ${a.module.id.slice(0, 12)})${params === '' ? '' : ` ${params}`}, on error: ${a.onError}`,
  ];
  if (a.halted !== null) lines.push(`  halted at partition ${a.halted.partition} offset ${a.halted.offset}: ${a.halted.reason}`);
  const s = a.stats;
  if (s === null) lines.push('  not run since attached');
  else {
    const errors = Object.entries(s.errors).map(([k, n]) => `${k} ${n}`).join(', ');
    lines.push(`  records in ${s.recordsIn}, out ${s.recordsOut}, skipped ${s.recordsSkipped}; calls ${s.calls}, latency p50 ${s.latencyP50Ms?.toFixed(2) ?? '-'} ms, p99 ${s.latencyP99Ms?.toFixed(2) ?? '-'} ms`);
    lines.push(`  errors: ${errors === '' ? 'none' : errors}`);
    if (s.lastError !== null) lines.push(`  last error: ${s.lastError.kind} at partition ${s.lastError.partition} offsets ${s.lastError.firstOffset}..${s.lastError.lastOffset}: ${s.lastError.message}`);
  }
  return lines;
}

interface AttachFlags extends ClientFlags {
  from?: string;
  as?: string;
  onProduce?: string;
  param?: string[];
  onError?: string;
  replace?: boolean;
}

export function registerAttachCommands(program: Command): void {
  withBootstrap(program.command('attach <module>'))
    .description('attach a registered module: as a view any Kafka client reads (--from <topic> --as <view>), or as a check on a topic\'s produce path (--on-produce <topic>)')
    .option('--from <topic>', 'the source topic of a view')
    .option('--as <view>', 'the name of the view')
    .option('--on-produce <topic>', 'run the module on every batch produced to this topic before it is written')
    .option('--param <key=value>', 'module parameter (repeatable)', repeat)
    .option('--on-error <policy>', 'view: skip (leave failing records out) or halt (stop the view)', 'skip')
    .option('--replace', 're-attach: replace the view or check of that name')
    .action(async (module: string, flags: AttachFlags, cmd: Command) => {
      const out = outputOf(cmd);
      const params = paramsOf(flags.param);
      if (flags.onError !== 'skip' && flags.onError !== 'halt') throw new CliError(`--on-error: expected skip or halt, got ${JSON.stringify(flags.onError)}`, 2);
      let body: object;
      if (flags.onProduce !== undefined) {
        if (flags.from !== undefined || flags.as !== undefined) throw new CliError('give either --on-produce <topic>, or --from <topic> --as <view>', 2);
        body = { kind: 'produce', module, topic: flags.onProduce, params, onError: flags.onError, replace: flags.replace === true };
      } else {
        if (flags.from === undefined || flags.as === undefined) throw new CliError('a view needs --from <topic> and --as <view> (or use --on-produce <topic>)', 2);
        body = { kind: 'view', module, topic: flags.from, as: flags.as, params, onError: flags.onError, replace: flags.replace === true };
      }
      const a = await adminRequest<AttachmentStatus>(flags.bootstrap, 'POST', '/v1/attachments', body);
      print(out === 'json' ? JSON.stringify(a) : `attached ${a.module.name} as ${describe(a)}`);
    });

  withBootstrap(program.command('detach [view]'))
    .description('detach a view (by its name) or a produce check (--on-produce <topic>)')
    .option('--on-produce <topic>', 'detach the produce check of this topic')
    .action(async (view: string | undefined, flags: ClientFlags & { onProduce?: string }, cmd: Command) => {
      const out = outputOf(cmd);
      if ((view === undefined) === (flags.onProduce === undefined)) throw new CliError('give a view name, or --on-produce <topic>', 2);
      const [kind, name] = view !== undefined ? ['view', view] : ['produce', flags.onProduce!];
      await adminRequest(flags.bootstrap, 'DELETE', `/v1/attachments/${kind}/${encodeURIComponent(name)}`);
      print(out === 'json' ? JSON.stringify({ detached: name, kind }) : kind === 'view' ? `detached view ${name}` : `detached the produce check of ${name}`);
    });

  const attachment = program.command('attachment').description('list attachments and show their status');
  withBootstrap(attachment.command('list'))
    .description('every view and produce check, with its module and state')
    .action(async (flags: ClientFlags, cmd: Command) => {
      const out = outputOf(cmd);
      const all = await adminRequest<AttachmentStatus[]>(flags.bootstrap, 'GET', '/v1/attachments');
      if (out === 'json') return print(JSON.stringify(all));
      for (const a of all) print(`${a.kind}\t${a.name}\t${a.source}\t${a.module.name}\t${a.state}`);
    });
  withBootstrap(attachment.command('status <name>'))
    .description('records in and out, errors by kind, the last error, latency; a halted view says why and where')
    .option('--on-produce', 'name is a topic: the status of its produce check')
    .action(async (name: string, flags: ClientFlags & { onProduce?: boolean }, cmd: Command) => {
      const out = outputOf(cmd);
      const a = await adminRequest<AttachmentStatus>(flags.bootstrap, 'GET', `/v1/attachments/${flags.onProduce ? 'produce' : 'view'}/${encodeURIComponent(name)}`);
      if (out === 'json') return print(JSON.stringify(a));
      for (const line of statusLines(a)) print(line);
    });
}
