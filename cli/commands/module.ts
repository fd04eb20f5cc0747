import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { SANDBOX_DEADLINE_MS_DEFAULT } from '../../runtime/constants.js';
import { adminRequest } from '../admin-client.js';
import { withBootstrap } from './bootstrap-option.js';
import type { ObjectStore } from '../../broker/storage/index.js';
import {
  ModuleRegistry, ModuleNotFoundError, buildModule, decodeBatch, encodeBatch, buildModules, exampleModuleDirs, loadModule,
  parseParamArgs, initModule, ModuleInitError, MODULE_KINDS, MODULE_LANGUAGES, type HostRecord, type ModuleEntry,
  type ModuleKind, type ModuleLanguage,
} from '../../runtime/index.js';

/** Records per guest call when `module test` reads a long input. */
const TEST_BATCH_RECORDS_DEFAULT = 1000;

interface StoreOpts {
  data?: string;
  bucket?: string;
  s3Endpoint?: string;
  region?: string;
}

function outputFormat(cmd: Command): 'text' | 'json' {
  const f = (cmd.optsWithGlobals() as { output?: string }).output ?? 'text';
  if (f !== 'text' && f !== 'json') throw new CliError(`--output must be text or json, not "${f}"`, 2);
  return f;
}

/** The store is imported only by the commands that use it: the S3 client is slow to load. */
async function storeFrom(opts: StoreOpts): Promise<ObjectStore> {
  if (opts.data === undefined && opts.bucket === undefined) throw new CliError('give --data <dir> or --bucket s3://<bucket>/<prefix>', 2);
  const { createStore } = await import('../../broker/storage/index.js');
  const cfg: Parameters<typeof createStore>[0] = {};
  if (opts.data !== undefined) cfg.data = opts.data;
  if (opts.bucket !== undefined) cfg.bucket = opts.bucket;
  if (opts.s3Endpoint !== undefined) {
    cfg.s3Endpoint = opts.s3Endpoint;
    cfg.forcePathStyle = true;
  }
  if (opts.region !== undefined) cfg.region = opts.region;
  return createStore(cfg);
}

interface ControlOpts extends StoreOpts {
  bootstrap: string;
}

/** The control commands go through the broker unless given a bucket to work on directly. */
function offline(opts: ControlOpts): boolean {
  return opts.data !== undefined || opts.bucket !== undefined;
}

function notFound(err: unknown): never {
  if (err instanceof ModuleNotFoundError) throw new CliError(err.message);
  throw err;
}

function withControlOptions(cmd: Command): Command {
  return withBootstrap(cmd)
    .option('--data <dir>', 'work on this local-directory bucket directly, without a broker')
    .option('--bucket <url>', 'work on this S3 bucket directly (s3://<bucket>/<prefix>), without a broker')
    .option('--s3-endpoint <url>', 'S3 endpoint (path-style), e.g. for a local S3 server')
    .option('--region <region>', 'S3 region');
}

async function withStore<T>(opts: StoreOpts, fn: (registry: ModuleRegistry) => Promise<T>): Promise<T> {
  const store = await storeFrom(opts);
  try {
    return await fn(new ModuleRegistry(store));
  } finally {
    await store.close?.();
  }
}

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

function bytesOrNull(v: unknown, what: string, line: number): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return utf8.encode(v);
  if (typeof v === 'object' || typeof v === 'number' || typeof v === 'boolean') return utf8.encode(JSON.stringify(v));
  throw new CliError(`input line ${line}: ${what} must be a string, JSON value or null`);
}

/** One input line as a record: the line is the value, or with --json-input {key, value, headers, timestamp}. */
function lineToRecord(line: string, index: number, jsonInput: boolean, now: bigint): HostRecord {
  if (!jsonInput) return { offset: BigInt(index), timestampMs: now, key: null, value: utf8.encode(line), headers: [] };
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`input line ${index + 1}: not JSON (${(err as Error).message})`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new CliError(`input line ${index + 1}: expected a JSON object {key, value, headers, timestamp}`);
  const headers: HostRecord['headers'] = [];
  const h = obj['headers'];
  if (Array.isArray(h)) {
    for (const e of h as { key?: unknown; value?: unknown }[]) {
      if (typeof e?.key !== 'string') throw new CliError(`input line ${index + 1}: header keys must be strings`);
      headers.push({ key: e.key, value: bytesOrNull(e.value, 'header value', index + 1) });
    }
  } else if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h)) headers.push({ key: k, value: bytesOrNull(v, 'header value', index + 1) });
  }
  const ts = obj['timestamp'];
  return {
    offset: BigInt(index),
    timestampMs: typeof ts === 'number' ? BigInt(Math.trunc(ts)) : now,
    key: bytesOrNull(obj['key'], 'key', index + 1),
    value: bytesOrNull(obj['value'], 'value', index + 1),
    headers,
  };
}

function readInput(input: string): string {
  try {
    return readFileSync(input === '-' ? 0 : input, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read input ${input}: ${(err as Error).message}`);
  }
}

function recordJson(r: HostRecord): string {
  const text = (b: Uint8Array | null): string | null => (b === null ? null : utf8Decode.decode(b));
  return JSON.stringify({
    offset: Number(r.offset),
    timestamp: Number(r.timestampMs),
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
  });
}

function printEntries(entries: ModuleEntry[], format: 'text' | 'json'): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(entries) + '\n');
    return;
  }
  for (const e of entries) process.stdout.write(`${e.name}\t${e.kind}\t${e.sizeBytes}\t${e.id.slice(0, 12)}\n`);
}

/** `sluice module init|build|build-examples|test|create|list|delete`. */
export function registerModuleCommands(program: Command): void {
  const module = program.command('module').description('build, test and register SmartModules');

  module
    .command('init <dir>')
    .description('write a new module directory that builds and passes `module test` on its sample-input.txt as it is')
    .requiredOption('--lang <language>', MODULE_LANGUAGES.join(' or '))
    .requiredOption('--kind <kind>', MODULE_KINDS.join(', '))
    .option('--name <name>', 'module name (default: the directory name)')
    .action((dir: string, opts: { lang: string; kind: string; name?: string }, cmd: Command) => {
      let r;
      try {
        r = initModule(dir, { language: opts.lang as ModuleLanguage, kind: opts.kind as ModuleKind, ...(opts.name === undefined ? {} : { name: opts.name }) });
      } catch (err) {
        if (err instanceof ModuleInitError) throw new CliError(err.message, 2);
        throw new CliError((err as Error).message);
      }
      if (outputFormat(cmd) === 'json') {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      process.stdout.write(`created ${r.language} ${r.kind} module ${r.name} in ${r.dir}: ${r.files.join(', ')}\n`);
      process.stdout.write(`next: sluice module build ${dir} && sluice module test ${dir}/build/${r.name}.wasm --input ${dir}/sample-input.txt\n`);
    });

  module
    .command('build <dir>')
    .description('build a module directory (AssemblyScript: assembly/index.ts; Rust: Cargo.toml) into <dir>/build/<name>.wasm')
    .option('--out <file>', 'output file')
    .option('--force', 'build even when the output is up to date')
    .action(async (dir: string, opts: { out?: string; force?: boolean }, cmd: Command) => {
      const buildOpts: { out?: string; force?: boolean } = { force: opts.force ?? false };
      if (opts.out !== undefined) buildOpts.out = opts.out;
      let r;
      try {
        r = await buildModule(dir, buildOpts);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (outputFormat(cmd) === 'json') process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(`${r.built ? 'built' : 'up to date'} ${r.name} -> ${r.out}\n`);
    });

  module
    .command('build-examples')
    .description('build every module under modules/ and test/fixtures/modules/ (skips up-to-date outputs)')
    .option('--force', 'rebuild everything')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const json = outputFormat(cmd) === 'json';
      const { results, failures } = await buildModules(exampleModuleDirs(), {
        force: opts.force ?? false,
        onResult: (r) => {
          if (json) return;
          if (r instanceof Error) process.stderr.write(`sluice: build failed: ${r.message.split('\n')[0]}\n`);
          else process.stdout.write(`${r.built ? `built ${r.name} in ${Math.round(r.ms)} ms` : `up to date ${r.name}`}\n`);
        },
      });
      if (json) process.stdout.write(JSON.stringify({ results, failures: failures.map((f) => ({ dir: f.dir, error: f.message })) }) + '\n');
      if (failures.length > 0) throw new CliError(`${failures.length} module(s) failed to build`);
    });

  module
    .command('test <file>')
    .description('run a module over newline-separated records and print the output records')
    .option('--param <k=v...>', 'module parameter (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--input <file>', 'input file, or - for stdin', '-')
    .option('--json-input', 'each line is JSON {key, value, headers, timestamp}')
    .option('--aggregate-state <file>', 'aggregate: initial state (when the file exists); the new state is written back')
    .option('--batch-size <n>', 'records per guest call', String(TEST_BATCH_RECORDS_DEFAULT))
    .option('--deadline-ms <n>', 'deadline of one guest call, as on the broker', String(SANDBOX_DEADLINE_MS_DEFAULT))
    .action(async (file: string, opts: { param?: string[]; input: string; jsonInput?: boolean; aggregateState?: string; batchSize: string; deadlineMs: string }, cmd: Command) => {
      const format = outputFormat(cmd);
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError(`--batch-size must be a positive integer, not "${opts.batchSize}"`, 2);
      const deadlineMs = Number(opts.deadlineMs);
      if (!Number.isInteger(deadlineMs) || deadlineMs < 1) throw new CliError(`--deadline-ms must be a positive integer, not "${opts.deadlineMs}"`, 2);
      let params: Record<string, string>;
      try {
        params = parseParamArgs(opts.param ?? []);
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      if (!existsSync(file)) throw new CliError(`no such module file: ${file}`);
      const loaded = await loadModule(readFileSync(file));
      let state: Uint8Array | null = null;
      if (opts.aggregateState !== undefined && existsSync(opts.aggregateState)) state = readFileSync(opts.aggregateState);
      const text = readInput(opts.input);
      const lines = text.split('\n');
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      const now = BigInt(Date.now());
      const records = lines.map((l, i) => lineToRecord(l.endsWith('\r') ? l.slice(0, -1) : l, i, opts.jsonInput ?? false, now));
      const out: string[] = [];
      // The module runs in the sandbox, under the deadline and bounds the broker gives it: a
      // module that never returns fails here as it would on a topic, instead of hanging the test.
      const { SandboxPool } = await import('../../runtime/index.js');
      const pool = await SandboxPool.start({ threads: 1, deadlineMsDefault: deadlineMs });
      try {
        const handle = pool.register(loaded, { params });
        for (let i = 0; i < records.length; i += batchSize) {
          const batch = records.slice(i, i + batchSize);
          let result;
          try {
            result = await pool.run(handle, encodeBatch(batch), state);
          } catch (err) {
            const e = err as { kind?: string; code?: number; message: string };
            const why = e.message.replace(/^module [^:]*: /, '');
            throw new CliError(`module failed on records ${i}..${i + batch.length - 1}: ${e.kind ?? 'error'}${e.code ? ` (${e.code})` : ''}: ${why}`);
          }
          if (loaded.kind === 'aggregate') state = result.state;
          for (const r of decodeBatch(result.output)) out.push(format === 'json' ? recordJson(r) : r.value === null ? '' : utf8Decode.decode(r.value));
        }
      } finally {
        await pool.close();
      }
      if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
      if (opts.aggregateState !== undefined && state !== null) writeFileSync(opts.aggregateState, state);
    });

  withControlOptions(
    module
      .command('create <name> <file>')
      .description('validate a module and store it in the bucket under <name> (through the broker, or offline with --data/--bucket)'),
  ).action(async (name: string, file: string, opts: ControlOpts, cmd: Command) => {
    if (!existsSync(file)) throw new CliError(`no such module file: ${file}`);
    const bytes = readFileSync(file);
    const entry = offline(opts)
      ? await withStore(opts, (r) => r.create(name, bytes))
      : await adminRequest<ModuleEntry>(opts.bootstrap, 'PUT', `/v1/modules/${encodeURIComponent(name)}`, bytes);
    if (outputFormat(cmd) === 'json') process.stdout.write(JSON.stringify(entry) + '\n');
    else process.stdout.write(`created ${entry.name} (${entry.kind}, ${entry.sizeBytes} bytes, ${entry.id.slice(0, 12)})\n`);
  });

  withControlOptions(module.command('list').description('list the modules in the bucket')).action(
    async (opts: ControlOpts, cmd: Command) => {
      const entries = offline(opts) ? await withStore(opts, (r) => r.list()) : await adminRequest<ModuleEntry[]>(opts.bootstrap, 'GET', '/v1/modules');
      printEntries(entries, outputFormat(cmd));
    },
  );

  withControlOptions(module.command('describe <name>').description('a module entry and the attachments that run it')).action(
    async (name: string, opts: ControlOpts, cmd: Command) => {
      const entry = offline(opts)
        ? { ...(await withStore(opts, (r) => r.entry(name).catch(notFound))), attachments: [] as { kind: string; name: string }[] }
        : await adminRequest<ModuleEntry & { attachments: { kind: string; name: string }[] }>(opts.bootstrap, 'GET', `/v1/modules/${encodeURIComponent(name)}`);
      if (outputFormat(cmd) === 'json') {
        process.stdout.write(JSON.stringify(entry) + '\n');
        return;
      }
      process.stdout.write(`${entry.name}: ${entry.kind}, ${entry.sizeBytes} bytes, sha256 ${entry.id}, ABI v${entry.abiVersion}, created ${entry.createdAt}\n`);
      for (const a of entry.attachments) process.stdout.write(`  attached: ${a.kind === 'view' ? `view ${a.name}` : `produce check on ${a.name}`}\n`);
    },
  );

  withControlOptions(module.command('delete <name>').description('remove a module name from the bucket (refused while it is attached; offline, its binary stays)')).action(
    async (name: string, opts: ControlOpts, cmd: Command) => {
      // Offline the attachments (the broker's log) are out of sight, and each pins its binary by
      // sha256: only the name goes, so a running attachment never loses its module.
      const keptBinary = offline(opts);
      if (keptBinary) await withStore(opts, (r) => r.delete(name, { keepBinary: true }).catch(notFound));
      else await adminRequest(opts.bootstrap, 'DELETE', `/v1/modules/${encodeURIComponent(name)}`);
      if (outputFormat(cmd) === 'json') process.stdout.write(JSON.stringify({ deleted: name, keptBinary }) + '\n');
      else process.stdout.write(`deleted ${name}${keptBinary ? ' (its binary stays in the bucket: attachments may pin it)' : ''}\n`);
    },
  );
}
