/**
 * What a component costs beside a core module: the JSON filter (params field=level
 * value=error, 100-byte records, one in four kept) as ABI v1 core modules (AssemblyScript, Rust),
 * as a Rust component and as a JavaScript component (componentize-js), inline and through the
 * sandbox, with the Extism plugin of the runtime bench as the anchor; also the Rust component
 * called through jco's own generated bindings (a JavaScript object per record), which the
 * runtime does not use, and lowered list by list, as a guest without one-block arguments is. Then each module's size, load time (validate + transpile + compile, and
 * from the bucket's cached transpiled form) and instantiation time. All cases run in every round,
 * in one process; figures are medians of the rounds' p50. Writes bench/results/components.{json,md}.
 * Run: `npm run build && npm run build:modules && node --expose-gc dist/bench/component-bench.js`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { encodeBatch, type HostRecord } from '../runtime/abi/batch.js';
import { createGuestInstance } from '../runtime/guest-code.js';
import { loadModule, type LoadedModule } from '../runtime/module-loader.js';
import { InlineRunner, SandboxPool } from '../runtime/sandbox/index.js';
import type { CompiledComponent } from '../runtime/component/compiled-component.js';
import { buildExtismPlugin } from './extism/build.js';
import { extismBatch, extismCount, makeRecords } from './lib/runtime-records.js';
import { packageRoot, writeResults } from './lib/results.js';
import { formatNumber, median } from './lib/stats.js';

const PARAMS = { field: 'level', value: 'error' };
const BATCHES = [16, 1024] as const;
const ROUNDS = 5;
/** Calls of the JavaScript component per case and round (about 25 ms each at 1024 records). */
const JS_CALLS_PER_ROUND = 20;
/** Extism 1.0.x corrupts its state past ~16,000 calls without a reset (runtime-bench.ts): reset well before. */
const EXTISM_CALLS_BEFORE_RESET = 8000;
const MODULES = [
  { label: 'AssemblyScript core module', dir: 'json-filter' },
  { label: 'Rust core module', dir: 'json-filter-rs' },
  { label: 'Rust component', dir: 'json-filter-component-rs' },
  { label: 'JavaScript component', dir: 'json-filter-component-js' },
] as const;

interface Row {
  module: string;
  runner: string;
  batch: number;
  nsPerRecordRounds: number[];
  nsPerRecord: number;
}

export interface ComponentBenchResult {
  generatedAt: string;
  node: string;
  rows: Row[];
  modules: { module: string; bytes: number; loadMs: number; cachedLoadMs: number | null; instantiateMs: number }[];
  targets: { name: string; value: number; target: string; ok: boolean }[];
}

/** The Rust component's export called through jco's generated bindings, with JavaScript records. */
function jcoBindingsFilter(component: CompiledComponent): (records: unknown[]) => unknown[] {
  const exports = component.instantiate((n) => component.cores.get(n)!, { 'sluice:smartmodule/log': { log: () => undefined } }, (m, i) => new WebAssembly.Instance(m, i));
  (exports['init'] as (p: [string, string][]) => void)(Object.entries(PARAMS));
  return exports['filter'] as (records: unknown[]) => unknown[];
}

const jcoRecords = (records: HostRecord[]): unknown[] =>
  records.map((r) => ({ offset: r.offset, timestamp: r.timestampMs, key: r.key ?? undefined, value: r.value ?? undefined, headers: r.headers.map((h) => ({ key: h.key, value: h.value ?? undefined })) }));

export async function runComponentBench(options: { write?: boolean; log?: (line: string) => void; timeMs?: number } = {}): Promise<ComponentBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const root = packageRoot();
  const loaded = new Map<string, LoadedModule>();
  const moduleFacts: ComponentBenchResult['modules'] = [];
  for (const m of MODULES) {
    const bytes = new Uint8Array(readFileSync(`${root}/modules/${m.dir}/build/${m.dir}.wasm`));
    let t = performance.now();
    const mod = await loadModule(bytes, { name: m.dir });
    const loadMs = performance.now() - t;
    let cachedLoadMs: number | null = null;
    if (mod.code.format === 'component') {
      t = performance.now();
      await loadModule(bytes, { name: m.dir, transpiled: mod.workerBytes });
      cachedLoadMs = performance.now() - t;
    }
    t = performance.now();
    createGuestInstance(mod.code, PARAMS);
    moduleFacts.push({ module: m.label, bytes: bytes.length, loadMs, cachedLoadMs, instantiateMs: performance.now() - t });
    loaded.set(m.dir, mod);
  }

  const inline = new InlineRunner();
  const pool = await SandboxPool.start({ threads: 1, deadlineMsDefault: 60_000 });
  const { default: createPlugin } = await import('@extism/extism');
  const plugin = await createPlugin({ wasm: [{ data: new Uint8Array(readFileSync(await buildExtismPlugin())) }], config: PARAMS }, { useWasi: false, runInWorker: false });
  let extismCalls = 0;
  const cases: { key: string; module: string; runner: string; batch: number; fn: () => unknown; few?: boolean }[] = [];
  let sink = 0;
  for (const batch of BATCHES) {
    const records = makeRecords(batch);
    const input = encodeBatch(records);
    let expected: Buffer | undefined;
    for (const m of MODULES) {
      const mod = loaded.get(m.dir)!;
      const ih = inline.register(mod, { params: PARAMS });
      const sh = pool.register(mod, { params: PARAMS });
      const out = Buffer.from(inline.runSync(ih, input).output);
      if (expected !== undefined && !out.equals(expected)) throw new Error(`${m.label} gives other bytes than ${MODULES[0].label} at batch ${batch}`);
      expected ??= out;
      // The JavaScript component takes milliseconds a batch: a fixed number of calls per round.
      const few = m.dir === 'json-filter-component-js';
      cases.push({ key: `${m.dir} inline ${batch}`, module: m.label, runner: 'inline', batch, few, fn: () => { sink += inline.runSync(ih, input).output.length; } });
      cases.push({ key: `${m.dir} sandbox ${batch}`, module: m.label, runner: 'sandbox', batch, few, fn: async () => { sink += (await pool.run(sh, input.slice())).output.length; } });
    }
    const rust = loaded.get('json-filter-component-rs')!;
    if (rust.code.format === 'component') {
      // The same component lowered list by list, as a guest that does not declare one-block arguments is.
      const perList = createGuestInstance({ format: 'component', component: { ...rust.code.component, oneBlockArguments: false } }, PARAMS);
      if (!Buffer.from(perList.processEncoded(input, null).output).equals(expected!)) throw new Error(`the Rust component lowered list by list gives other bytes at batch ${batch}`);
      cases.push({ key: `per-list ${batch}`, module: 'Rust component', runner: 'inline, lowered list by list', batch, fn: () => { sink += perList.processEncoded(input, null).output.length; } });
      const filter = jcoBindingsFilter(rust.code.component);
      const objects = jcoRecords(records);
      cases.push({ key: `jco ${batch}`, module: 'Rust component', runner: "jco's bindings", batch, fn: () => { sink += filter(objects).length; } });
    }
    const ext = extismBatch(records);
    const kept = extismCount((await plugin.call('filter_batch', ext.slice()))!.bytes());
    if (kept !== expected!.readUInt32LE(0)) throw new Error(`Extism kept ${kept} of ${batch}, the modules ${expected!.readUInt32LE(0)}`);
    cases.push({
      key: `extism ${batch}`, module: 'Extism plugin (as-pdk)', runner: 'one call per batch', batch,
      fn: async () => {
        if (++extismCalls > EXTISM_CALLS_BEFORE_RESET) {
          await plugin.reset();
          extismCalls = 0;
        }
        sink += extismCount((await plugin.call('filter_batch', ext.slice()))!.bytes());
      },
    });
  }

  const perRound = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: options.timeMs ?? 300, warmupTime: 100, timestampProvider: 'hrtimeNow', throws: true });
    const slow = new Bench({ time: 0, iterations: JS_CALLS_PER_ROUND, warmupTime: 0, warmupIterations: 3, timestampProvider: 'hrtimeNow', throws: true });
    for (const c of cases) (c.few === true ? slow : bench).add(c.key, c.fn);
    await bench.run();
    await slow.run();
    for (const t of [...bench.tasks, ...slow.tasks]) {
      if (t.result.state !== 'completed') throw new Error(`bench task ${t.name} did not complete: ${t.result.state}`);
      const c = cases.find((x) => x.key === t.name)!;
      perRound.get(t.name)!.push((t.result.latency.p50 * 1e6) / c.batch);
    }
  }
  await pool.close();
  await plugin.close();
  const rows: Row[] = cases.map((c) => ({ module: c.module, runner: c.runner, batch: c.batch, nsPerRecordRounds: perRound.get(c.key)!, nsPerRecord: median(perRound.get(c.key)!) }));
  const ns = (module: string, runner: string, batch: number): number => rows.find((r) => r.module === module && r.runner === runner && r.batch === batch)!.nsPerRecord;
  const ratio = (name: string, a: number, b: number, target: number | null): ComponentBenchResult['targets'][0] =>
    ({ name, value: a / b, target: target === null ? 'for the record' : `<= ${target}`, ok: target === null || a / b <= target });
  const targets = [
    ratio('Rust component / Rust core module, ns per record inline at 1024', ns('Rust component', 'inline', 1024), ns('Rust core module', 'inline', 1024), 2),
    ratio('Rust component / AssemblyScript core module, ns per record inline at 1024', ns('Rust component', 'inline', 1024), ns('AssemblyScript core module', 'inline', 1024), 2),
    ratio('Rust component / Rust core module, ns per record in the sandbox at 1024', ns('Rust component', 'sandbox', 1024), ns('Rust core module', 'sandbox', 1024), 2),
    ratio('Rust component lowered list by list / Rust core module, ns per record inline at 1024', ns('Rust component', 'inline, lowered list by list', 1024), ns('Rust core module', 'inline', 1024), null),
    ratio("jco's bindings / the runtime's lowering, Rust component inline at 1024", ns('Rust component', "jco's bindings", 1024), ns('Rust component', 'inline', 1024), null),
    ratio('Extism (one call per batch) / Rust component in the sandbox at 1024', ns('Extism plugin (as-pdk)', 'one call per batch', 1024), ns('Rust component', 'sandbox', 1024), null),
    ratio('JavaScript component / Rust core module, ns per record inline at 1024', ns('JavaScript component', 'inline', 1024), ns('Rust core module', 'inline', 1024), null),
  ];
  const result: ComponentBenchResult = { generatedAt: new Date().toISOString(), node: process.version, rows, modules: moduleFacts, targets };
  if (sink < 0) log('');
  const md = renderMarkdown(result);
  if (options.write !== false) writeResults('components', result, md);
  log(md);
  return result;
}

function renderMarkdown(r: ComponentBenchResult): string {
  const lines = ['# Component bench', ''];
  lines.push(`Generated ${r.generatedAt} on Node ${r.node}. The JSON filter (params field=level value=error, 100-byte records, one in four kept) as core modules and as components; every module gives the same output bytes (checked before timing). ns/record is the median of ${ROUNDS} rounds' p50 batch time / batch size (every round listed). inline = on the calling thread (the Rust component declares one-block arguments, docs/components.md); inline, lowered list by list = the same component called as a guest that does not declare them is (one cabi_realloc per list), without the inline runner; sandbox = through a one-worker pool; jco's bindings = the Rust component's export called through the JavaScript jco generated (records as objects), not what the runtime runs.`, '');
  lines.push('| module | runner | batch | ns/record | per round |', '| --- | --- | ---: | ---: | --- |');
  for (const row of r.rows) lines.push(`| ${row.module} | ${row.runner} | ${row.batch} | ${formatNumber(row.nsPerRecord, 1)} | ${row.nsPerRecordRounds.map((x) => formatNumber(x, 1)).join(' / ')} |`);
  lines.push('', 'Load = loadModule (a core module: validate, compile, probe; a component: check its world, transpile with jco, compile); cached = a component loaded from its transpiled form, as the registry does once the bucket holds it; instantiate = instantiate and init, as a worker does on its first batch.', '');
  lines.push('| module | bytes | load ms | cached load ms | instantiate ms |', '| --- | ---: | ---: | ---: | ---: |');
  for (const m of r.modules) lines.push(`| ${m.module} | ${m.bytes} | ${formatNumber(m.loadMs, 1)} | ${m.cachedLoadMs === null ? '–' : formatNumber(m.cachedLoadMs, 1)} | ${formatNumber(m.instantiateMs, 1)} |`);
  lines.push('', '## Ratios', '', '| ratio | value | wanted | met |', '| --- | ---: | --- | --- |');
  for (const t of r.targets) lines.push(`| ${t.name} | ${formatNumber(t.value, 2)} | ${t.target} | ${t.ok ? 'yes' : 'NO'} |`);
  return lines.join('\n') + '\n';
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runComponentBench();
}
