/**
 * What the Rust SDK's choices cost: the size in bytes of every example module in both
 * languages, and the JSON filter (json-filter-rs) built three ways, as shipped (std, opt-level 3),
 * without std (bench/rust-no-std: the same source under #![no_std] + alloc) and at opt-level "s",
 * each against the AssemblyScript json-filter: bytes, and ns per record inline at 1024 records
 * (tinybench, all in one process, in rounds). Writes bench/results/rust-sdk.json and .md.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { encodeBatch } from '../runtime/abi/batch.js';
import { buildModule } from '../runtime/build/module-build.js';
import { buildRustModule, type CargoVariant } from '../runtime/build/cargo-build.js';
import { readModuleManifest } from '../runtime/build/module-manifest.js';
import { ModuleInstance } from '../runtime/instance.js';
import { loadModule } from '../runtime/module-loader.js';
import { packageRoot, writeResults } from './lib/results.js';
import { formatNumber, median } from './lib/stats.js';
import { makeRecords } from './lib/runtime-records.js';

const EXAMPLES = ['json-filter', 'json-map', 'json-filter-map', 'json-split', 'count-sum'] as const;
const BATCH = 1024;
const ROUNDS = 5;
const PARAMS = { field: 'level', value: 'error' };

export interface RustSdkBenchResult {
  generatedAt: string;
  node: string;
  /** Bytes of each example's module as `sluice module build` writes it. */
  sizes: { module: string; assemblyscriptBytes: number; rustBytes: number }[];
  /** The JSON filter built each way: bytes, and ns/record p50 at BATCH records per round. */
  filterBuilds: { build: string; bytes: number; nsPerRecordRounds: number[]; nsPerRecord: number }[];
  targets: { name: string; value: number; target: string; ok: boolean }[];
}

interface FilterBuild {
  build: string;
  file: string;
}

/** The filter's variant builds, into bench/rust-no-std/build with their own cargo target dir. */
async function variantBuilds(root: string): Promise<FilterBuild[]> {
  const outDir = join(root, 'bench', 'rust-no-std', 'build');
  const env = { CARGO_TARGET_DIR: join(root, 'bench', 'rust-no-std', 'target') };
  const variant = async (dir: string, file: string, v: CargoVariant): Promise<string> => {
    const out = join(outDir, file);
    await buildRustModule(readModuleManifest(dir), out, true, { ...v, env: { ...env, ...v.env } });
    return out;
  };
  const filterDir = join(root, 'modules', 'json-filter-rs');
  return [
    { build: 'AssemblyScript json-filter (asc -O3)', file: (await buildModule(join(root, 'modules', 'json-filter'))).out },
    { build: 'Rust json-filter-rs as shipped (std, opt-level 3)', file: (await buildModule(filterDir)).out },
    { build: 'Rust, no_std + alloc (opt-level 3)', file: await variant(join(root, 'bench', 'rust-no-std'), 'no-std.wasm', { env: { RUSTC_BOOTSTRAP: '1' } }) },
    { build: 'Rust, std, opt-level "s"', file: await variant(filterDir, 'opt-s.wasm', { config: ['profile.release.opt-level="s"'] }) },
  ];
}

export async function runRustSdkBench(options: { write?: boolean; log?: (line: string) => void; timeMs?: number } = {}): Promise<RustSdkBenchResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const root = packageRoot();
  const sizes: RustSdkBenchResult['sizes'] = [];
  for (const name of EXAMPLES) {
    const as = await buildModule(join(root, 'modules', name));
    const rs = await buildModule(join(root, 'modules', `${name}-rs`));
    sizes.push({ module: name, assemblyscriptBytes: statSync(as.out).size, rustBytes: statSync(rs.out).size });
  }

  const builds = await variantBuilds(root);
  const input = encodeBatch(makeRecords(BATCH));
  const instances: ModuleInstance[] = [];
  let expected: Buffer | undefined;
  for (const b of builds) {
    if (!existsSync(b.file)) throw new Error(`${b.file} was not built`);
    const inst = ModuleInstance.create((await loadModule(readFileSync(b.file))).compiled, PARAMS);
    const out = Buffer.from(inst.processEncoded(input, null).output);
    if (expected !== undefined && !out.equals(expected)) throw new Error(`${b.build} gives other bytes than ${builds[0]!.build}`);
    expected ??= out;
    instances.push(inst);
  }
  const perRound = builds.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: options.timeMs ?? 300, warmupTime: 100, timestampProvider: 'hrtimeNow', throws: true });
    builds.forEach((b, i) => bench.add(b.build, () => void instances[i]!.processEncoded(input, null)));
    await bench.run();
    bench.tasks.forEach((t, i) => {
      const r = t.result;
      if (r.state !== 'completed') throw new Error(`bench task ${t.name} did not complete: ${r.state}`);
      perRound[i]!.push((r.latency.p50 * 1e6) / BATCH);
    });
  }
  const filterBuilds = builds.map((b, i) => ({ build: b.build, bytes: statSync(b.file).size, nsPerRecordRounds: perRound[i]!, nsPerRecord: median(perRound[i]!) }));
  const [as, std, noStd, optS] = filterBuilds as [typeof filterBuilds[0], typeof filterBuilds[0], typeof filterBuilds[0], typeof filterBuilds[0]];
  const targets: RustSdkBenchResult['targets'] = [
    { name: `Rust filter / AssemblyScript filter, ns per record inline at ${BATCH}`, value: std.nsPerRecord / as.nsPerRecord, target: '<= 1', ok: std.nsPerRecord <= as.nsPerRecord },
    { name: 'no_std / std filter, ns per record', value: noStd.nsPerRecord / std.nsPerRecord, target: 'for the record', ok: true },
    { name: 'no_std / std filter, bytes', value: noStd.bytes / std.bytes, target: 'for the record', ok: true },
    { name: 'opt-level "s" / 3 filter, ns per record', value: optS.nsPerRecord / std.nsPerRecord, target: 'for the record', ok: true },
    { name: 'opt-level "s" / 3 filter, bytes', value: optS.bytes / std.bytes, target: 'for the record', ok: true },
  ];
  const result: RustSdkBenchResult = { generatedAt: new Date().toISOString(), node: process.version, sizes, filterBuilds, targets };
  const md = renderMarkdown(result);
  if (options.write !== false) writeResults('rust-sdk', result, md);
  log(md);
  return result;
}

function renderMarkdown(r: RustSdkBenchResult): string {
  const lines = ['# Rust SDK bench', ''];
  lines.push(`Generated ${r.generatedAt} on Node ${r.node}. Module sizes as \`sluice module build\` writes them (AssemblyScript: asc -O3, minimal runtime; Rust: cargo release with opt-level 3, lto, one codegen unit, panic=abort, stripped, then wasm-opt -O3).`, '');
  lines.push('| module | AssemblyScript bytes | Rust bytes | Rust / AssemblyScript |', '| --- | ---: | ---: | ---: |');
  for (const s of r.sizes) lines.push(`| ${s.module} | ${s.assemblyscriptBytes} | ${s.rustBytes} | ${formatNumber(s.rustBytes / s.assemblyscriptBytes, 2)} |`);
  lines.push('', `The JSON filter (params field=level value=error, 100-byte records, one in four kept) built each way, inline, ${BATCH} records per call; ns per record is the median of ${ROUNDS} rounds' p50 (every round listed). All builds give the same output bytes.`, '');
  lines.push('| build | bytes | ns/record | per round |', '| --- | ---: | ---: | --- |');
  for (const b of r.filterBuilds) lines.push(`| ${b.build} | ${b.bytes} | ${formatNumber(b.nsPerRecord, 1)} | ${b.nsPerRecordRounds.map((x) => formatNumber(x, 1)).join(' / ')} |`);
  lines.push('', '## Ratios', '', '| ratio | value | wanted | met |', '| --- | ---: | --- | --- |');
  for (const t of r.targets) lines.push(`| ${t.name} | ${formatNumber(t.value, 2)} | ${t.target} | ${t.ok ? 'yes' : 'NO'} |`);
  return lines.join('\n') + '\n';
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runRustSdkBench();
}
