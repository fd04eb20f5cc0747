/** The runtime bench's result: its JSON shape and its Markdown. */
import { SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE } from '../../runtime/constants.js';
import { formatNumber } from './stats.js';

export interface RuntimeBenchRow {
  kind: 'filter' | 'map';
  runner: 'js' | 'inline' | 'sandbox' | 'rust-inline' | 'rust-sandbox' | 'extism-batch' | 'extism-record';
  batch: number;
  /** Mean batch time / batch size: throughput cost, sensitive to stalls from other processes. */
  nsPerRecord: number;
  /** Median batch time / batch size: the typical cost, robust to a noisy machine. */
  nsPerRecordP50: number;
  p50BatchUs: number;
  p99BatchUs: number;
  samples: number;
  /** The row's p50 batch time in each round (the row reports the median round). */
  roundsP50BatchUs: number[];
}

export interface RuntimeBenchResult {
  generatedAt: string;
  node: string;
  rows: RuntimeBenchRow[];
  instantiateMs: { p50: number; p99: number; module: string };
  /**
   * Sequential batch-of-1 filter calls through the sandbox, timed one by one, in every round: the percentiles of the round with the median p99, and every round's p99.
   */
  sandboxRoundTripUs: { p50: number; p99: number; p999: number; samples: number; roundsP99: number[] };
  /**
   * The filter inline and in the sandbox interleaved in `blocks` blocks of `blockCalls` calls
   * each, per round: p50 µs per batch of each runner, by round.
   */
  interleaved: { batch: number; pinned: boolean; blocks: number; blockCalls: number; rounds: InterleavedRound[] }[];
  loadAverage: number[];
  /** 1-minute load average at the start, and whether the sandbox polled (poll-gate.ts) at start and end. */
  loadAtStart: number;
  /**
   * Each core's speed at the start of every round: ms for one fixed JavaScript loop (the fastest
   * of three) with the main thread pinned to core 0, then to core 1 (empty when there is one core,
   * or taskset is missing). The cores' speeds differ at times on a shared VM.
   */
  coreLoopMs: number[][];
  polling: { start: boolean; end: boolean; othersLoadAtEnd: number; syncWaits: number; syncReplies: number };
  encodeDecodeNsPerRecord: number;
  /**
   * A whole pipeline batch through the sandbox (encode, call, decode) of `batch` records,
   * ErrorPolicy.runBatch (recycled batch buffers) interleaved with the same steps on fresh buffers,
   * per round: mean and p50 µs per batch, and the main thread's page faults per batch.
   */
  pipeline: { batch: number; callsPerWay: number; rounds: PipelineRound[] };
  targets: { name: string; value: number; target: string; ok: boolean }[];
  /** The sandbox / inline targets measured another way (interleaved, pinned): shown beside them, not targets. */
  crossChecks: { name: string; value: number; target: string; ok: boolean }[];
}

/** One round of the interleaved measurement: p50 µs per batch each way, and their ratio. */
export interface InterleavedRound {
  /** Geometric mean of the ways' sandbox / inline ratios. */
  ratio: number;
  /** Geometric mean of the ways' Rust / AssemblyScript filter ratios, both inline. */
  rustRatio: number;
  /** hostCore -1: not pinned. */
  ways: { hostCore: number; inlineUs: number; sandboxUs: number; rustInlineUs: number }[];
}

export interface PipelineRound {
  fresh: { meanUs: number; p50Us: number; faultsPerBatch: number };
  recycled: { meanUs: number; p50Us: number; faultsPerBatch: number };
}

export function renderMarkdown(result: RuntimeBenchResult): string {
  const lines: string[] = [];
  lines.push('# SmartModule runtime bench', '');
  lines.push(`Generated ${result.generatedAt} on Node ${result.node}, load average at the end ${result.loadAverage.map((x) => x.toFixed(1)).join(' / ')} (2 cores). 100-byte JSON records; filter keeps level=="error" (1 in 4, module json-filter); map projects {level,user} (module json-map).`);
  lines.push('js = a plain JavaScript function over decoded records (JSON.parse); inline = the WASM module on the calling thread (ABI batch in, out); sandbox = the same module through the worker pool (the batch handed over as a pipeline does, in recycled batch buffers: through the worker’s shared mailbox, or transferred when large; the host waits synchronously, bounded, for calls it expects to be short, see docs/sandbox.md); rust-inline / rust-sandbox = the Rust twins of the two modules (json-filter-rs, json-map-rs: same params, same output bytes), inline and through the pool; extism-batch / extism-record = the same filter as an Extism as-pdk plugin, one call per batch / per record.');
  lines.push('Every case runs in each of several rounds, one after the other; a row reports its median round (the last column lists every round). ns/rec p50 = median batch time / batch size (robust to other processes on the machine; the ratios and targets use it); ns/rec mean = mean batch time / batch size. "vs js" compares ns/rec p50 with the JavaScript function at the same batch size. The sandbox / inline targets compare these rows. A separate measurement in every round cross-checks them (below the table): it interleaves the two runners in blocks of a few calls, so that both see the same moments of a machine whose speed moves within seconds, and runs twice, the host and the workers pinned to opposite cores one way and then the other, since the two cores\' speeds differ at times (a round\'s ratio is the geometric mean of the two ways); its figure is the median of the rounds\' ratios.', '');
  lines.push('| kind | runner | batch | ns/rec p50 | ns/rec mean | vs js | p50 batch µs | p99 batch µs | samples | p50 batch µs per round |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of result.rows) {
    const js = result.rows.find((x) => x.kind === r.kind && x.runner === 'js' && x.batch === r.batch);
    lines.push(`| ${r.kind} | ${r.runner} | ${r.batch} | ${formatNumber(r.nsPerRecordP50)} | ${formatNumber(r.nsPerRecord)} | ${js ? formatNumber(r.nsPerRecordP50 / js.nsPerRecordP50, 2) : '-'} | ${formatNumber(r.p50BatchUs)} | ${formatNumber(r.p99BatchUs)} | ${r.samples} | ${r.roundsP50BatchUs.map((x) => formatNumber(x)).join(' / ')} |`);
  }
  for (const { batch, pinned, blocks, blockCalls, rounds } of result.interleaved) {
    const way = (r: InterleavedRound) => r.ways.map((w) => `${formatNumber(w.sandboxUs)} / ${formatNumber(w.inlineUs)}${pinned ? ` (host on core ${w.hostCore})` : ''}`).join(', ');
    lines.push('', `Filter at ${batch} records, inline and sandbox interleaved in blocks of ${blockCalls} calls (${blocks} blocks each${pinned ? ', once with the host on each core and the workers on the other' : ''}), p50 µs per batch, sandbox / inline, by round: ${rounds.map((r) => `${way(r)} → ${formatNumber(r.ratio, 2)}`).join('; ')}.`);
    const rustWay = (r: InterleavedRound) => r.ways.map((w) => `${formatNumber(w.rustInlineUs)} / ${formatNumber(w.inlineUs)}`).join(', ');
    lines.push(`The Rust filter (json-filter-rs) inline in the same blocks, p50 µs per batch, Rust / AssemblyScript, by round: ${rounds.map((r) => `${rustWay(r)} → ${formatNumber(r.rustRatio, 2)}`).join('; ')}.`);
  }
  const rt = result.sandboxRoundTripUs;
  lines.push('', `Sandbox batch-of-1 round trip (${rt.samples} sequential calls, ${rt.samples / rt.roundsP99.length} after each round's cases): the round with the median p99 has p50 ${formatNumber(rt.p50)} µs, p99 ${formatNumber(rt.p99)} µs, p99.9 ${formatNumber(rt.p999)} µs; p99 per round ${rt.roundsP99.map((x) => formatNumber(x)).join(' / ')} µs.`);
  lines.push(`Module instantiation (${result.instantiateMs.module}): p50 ${formatNumber(result.instantiateMs.p50, 3)} ms, p99 ${formatNumber(result.instantiateMs.p99, 3)} ms.`);
  lines.push(`ABI encode + decode around a WASM call (not included above): ${formatNumber(result.encodeDecodeNsPerRecord)} ns/record.`);
  const pl = result.pipeline;
  const plWay = (w: PipelineRound['fresh']) => `${formatNumber(w.meanUs)} / ${formatNumber(w.p50Us)} µs, ${formatNumber(w.faultsPerBatch, 0)} faults`;
  lines.push(`Pipeline batch of ${pl.batch} records through the sandbox filter (encode + call + decode, ${pl.callsPerWay} each way per round, in alternating blocks), mean / p50 µs per batch and main-thread page faults per batch, fresh buffers → ErrorPolicy.runBatch with recycled batch buffers, by round: ${pl.rounds.map((r) => `${plWay(r.fresh)} → ${plWay(r.recycled)}`).join('; ')}.`);
  if (result.coreLoopMs.length > 0) {
    lines.push(`Core speeds: ms for one fixed JavaScript loop (fastest of three) on core 0 / core 1 at the start of each round: ${result.coreLoopMs.map((r) => r.map((x) => formatNumber(x)).join(' / ')).join('; ')} (the main thread's and the worker's cores can differ by this much, and either may run the module).`);
  }
  const p = result.polling;
  lines.push(`Sandbox polling (docs/sandbox.md, off while other processes' load exceeds ${SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE} per core): ${p.start ? 'on' : 'off'} at the start (load ${formatNumber(result.loadAtStart, 2)}), ${p.end ? 'on' : 'off'} at the end (load ${formatNumber(result.loadAverage[0]!, 2)}, of which other processes ${formatNumber(p.othersLoadAtEnd, 2)}); the host waited synchronously for ${p.syncWaits} calls, ${p.syncReplies} of which replied within the wait.`, '');
  lines.push('## Targets', '', '| target | value | wanted | met |', '| --- | ---: | --- | --- |');
  for (const t of result.targets) lines.push(`| ${t.name} | ${formatNumber(t.value, 2)} | ${t.target} | ${t.ok ? 'yes' : 'NO'} |`);
  lines.push('', '## Cross-checks', '', 'The sandbox / inline ratio measured the interleaved way (above), and the Rust / AssemblyScript filter ratios of the rows (inline and through the sandbox): not the targets, but beside them.', '');
  lines.push('| cross-check | value | wanted | within |', '| --- | ---: | --- | --- |');
  for (const t of result.crossChecks) lines.push(`| ${t.name} | ${formatNumber(t.value, 2)} | ${t.target} | ${t.ok ? 'yes' : 'NO'} |`);
  return lines.join('\n') + '\n';
}
