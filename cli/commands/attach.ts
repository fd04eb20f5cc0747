/** `sluice attach`, `sluice detach` and `sluice attachment list|status`, through the broker's admin API. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { adminRequest, paramsOf } from '../admin-client.js';
import { outputOf, print, type ClientFlags } from '../kafka-client/client-helpers.js';
import { withBootstrap } from './bootstrap-option.js';

/** What the admin API answers for an attachment (broker/smartmodules/attach.ts AttachmentStatus). */
interface AttachmentStatus {
  name: string;
  kind: 'view' | 'produce' | 'derived';
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
  return a.kind === 'view' ? `view ${a.name} of ${a.source}` : a.kind === 'produce' ? `produce check on ${a.source}` : `pipeline of ${a.name} from ${a.source}`;
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
  to?: string;
  then?: string[];
  start?: string;
  onProduce?: string;
  param?: string[];
  onError?: string;
  replace?: boolean;
}

/** Options of `attach` that take a value: what the chain parser steps over. */
const VALUE_OPTIONS = new Set(['--from', '--as', '--to', '--start', '--on-produce', '--on-error', '--bootstrap', '--output']);

/**
 * The chain of `attach <module> [--param k=v]... [--then <module> [--param k=v]...]...`: each
 * --param belongs to the module named last before it. Commander keeps repeated options apart, so
 * their order is read from the arguments themselves.
 */
export function chainFromArgs(args: readonly string[]): { module: string; params: string[] }[] {
  const at = args.indexOf('attach');
  const steps: { module: string; params: string[] }[] = [];
  for (let i = at + 1; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => inline ?? args[++i] ?? '';
    if (flag === '--then') steps.push({ module: value(), params: [] });
    else if (flag === '--param') {
      const v = value();
      if (steps.length === 0) throw new CliError('--param before the module it belongs to', 2);
      steps[steps.length - 1]!.params.push(v);
    } else if (VALUE_OPTIONS.has(flag)) {
      if (inline === undefined) i++;
    } else if (!a.startsWith('-') && steps.length === 0) steps.push({ module: a, params: [] });
  }
  return steps;
}

/** `--on-error skip|halt|dead-letter:<topic>`. */
function errorPolicy(value: string): { onError: string; deadLetterTopic?: string } {
  if (value === 'skip' || value === 'halt') return { onError: value };
  if (value.startsWith('dead-letter:') && value.length > 'dead-letter:'.length) return { onError: 'dead-letter', deadLetterTopic: value.slice('dead-letter:'.length) };
  throw new CliError(`--on-error: expected skip, halt or dead-letter:<topic>, got ${JSON.stringify(value)}`, 2);
}

export function registerAttachCommands(program: Command): void {
  withBootstrap(program.command('attach <module>'))
    .description('attach a registered module: as a view any Kafka client reads (--from <topic> --as <view>), as a check on a topic\'s produce path (--on-produce <topic>), or as the pipeline of a derived topic (--from <topic> --to <topic>, a chain with --then)')
    .option('--from <topic>', 'the source topic of a view or a derived topic')
    .option('--as <view>', 'the name of the view')
    .option('--to <topic>', 'the derived topic the pipeline creates and writes, exactly once')
    .option('--then <module>', 'derived topic: the next module of the chain (repeatable; --param after it is its own)', repeat)
    .option('--start <where>', 'derived topic: earliest (default), latest, a source offset, or an ISO 8601 time')
    .option('--on-produce <topic>', 'run the module on every batch produced to this topic before it is written')
    .option('--param <key=value>', 'module parameter (repeatable)', repeat)
    .option('--on-error <policy>', 'skip (leave failing records out), halt (stop), or for a derived topic dead-letter:<topic>', 'skip')
    .option('--replace', 're-attach: replace the attachment of that name (a pipeline keeps its position)')
    .action(async (module: string, flags: AttachFlags, cmd: Command) => {
      const out = outputOf(cmd);
      const policy = errorPolicy(flags.onError ?? 'skip');
      let body: object;
      if (flags.to !== undefined) {
        if (flags.from === undefined || flags.as !== undefined || flags.onProduce !== undefined) throw new CliError('a derived topic needs --from <topic> --to <topic> (and neither --as nor --on-produce)', 2);
        const chain = chainFromArgs(process.argv);
        if (chain[0]?.module !== module) throw new CliError('--then and --param follow the module they belong to', 2);
        body = {
          kind: 'derived', module, topic: flags.from, to: flags.to, params: paramsOf(chain[0].params),
          then: chain.slice(1).map((s) => ({ module: s.module, params: paramsOf(s.params) })),
          ...policy, ...(flags.start !== undefined ? { start: flags.start } : {}), replace: flags.replace === true,
        };
      } else {
        if (flags.then !== undefined || flags.start !== undefined) throw new CliError('--then and --start are for a derived topic (--from <topic> --to <topic>)', 2);
        if (policy.onError === 'dead-letter') throw new CliError('dead-letter is for a derived topic; a view or check takes skip or halt', 2);
        const params = paramsOf(flags.param);
        if (flags.onProduce !== undefined) {
          if (flags.from !== undefined || flags.as !== undefined) throw new CliError('give either --on-produce <topic>, or --from <topic> --as <view>', 2);
          body = { kind: 'produce', module, topic: flags.onProduce, params, onError: policy.onError, replace: flags.replace === true };
        } else {
          if (flags.from === undefined || flags.as === undefined) throw new CliError('a view needs --from <topic> and --as <view> (or use --on-produce <topic>, or --to <topic> for a derived topic)', 2);
          body = { kind: 'view', module, topic: flags.from, as: flags.as, params, onError: policy.onError, replace: flags.replace === true };
        }
      }
      const a = await adminRequest<AttachmentStatus>(flags.bootstrap, 'POST', '/v1/attachments', body);
      print(out === 'json' ? JSON.stringify(a) : `attached ${a.module.name} as ${describe(a)}`);
    });

  withBootstrap(program.command('detach [name]'))
    .description('detach a view or a derived topic\'s pipeline (by its name), or a produce check (--on-produce <topic>)')
    .option('--on-produce <topic>', 'detach the produce check of this topic')
    .action(async (view: string | undefined, flags: ClientFlags & { onProduce?: string }, cmd: Command) => {
      const out = outputOf(cmd);
      if ((view === undefined) === (flags.onProduce === undefined)) throw new CliError('give a view or derived topic name, or --on-produce <topic>', 2);
      let kind = 'produce';
      let name = flags.onProduce!;
      if (view !== undefined) {
        name = view;
        const all = await adminRequest<AttachmentStatus[]>(flags.bootstrap, 'GET', '/v1/attachments');
        const found = all.find((a) => a.name === name && a.kind !== 'produce');
        if (found === undefined) throw new CliError(`no view or derived topic named ${JSON.stringify(name)} is attached`);
        kind = found.kind;
      }
      await adminRequest(flags.bootstrap, 'DELETE', `/v1/attachments/${kind}/${encodeURIComponent(name)}`);
      const what = kind === 'view' ? `view ${name}` : kind === 'derived' ? `the pipeline of ${name} (the topic stays)` : `the produce check of ${name}`;
      print(out === 'json' ? JSON.stringify({ detached: name, kind }) : `detached ${what}`);
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
