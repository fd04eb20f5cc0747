/**
 * What a SmartModule costs per record, and what isolation adds.
 * 100-byte JSON records; batch sizes 1, 16, 256, 1024, 4096; filter and map; each as
 *   js       the same logic as a plain JavaScript function over decoded records,
 *   inline   the WASM example module on the calling thread (encoded ABI batch in, out),
 *   sandbox  the same module through the worker pool (batch in recycled batch buffers, through the shared mailbox or transferred, never cloned),
 *   extism   (filter only) the same filter as an Extism as-pdk plugin, per batch and per record,
 *   rust-inline, rust-sandbox  the Rust twins of the two modules (modules/*-rs), inline and in the pool.
 * Also: module instantiation, the batch-of-1 round trip, and a whole pipeline batch on fresh against
 * recycled batch buffers. Writes bench/results/runtime.json and runtime.md.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { decodeBatch, encodeBatch, ErrorPolicy, InlineRunner, ModuleInstance, SandboxPool, type ModuleHandle } from '../runtime/index.js';
import { buildExtismPlugin } from './extism/build.js';
import { writeResults } from './lib/results.js';
import { extismBatch, extismCount, handOver, jsFilter, jsMap, loadExample, makeRecords } from './lib/runtime-records.js';
import { renderMarkdown, type InterleavedRound, type PipelineRound, type RuntimeBenchResult, type RuntimeBenchRow } from './lib/runtime-report.js';
import { median, medianBy, quantileSorted } from './lib/stats.js';
import { CORES, coreLoop, mainThreadFaults, pin, threadIds } from './lib/threads.js';

export const RUNTIME_BENCH_BATCH_SIZES = [1, 16, 256, 1024, 4096] as const;
/** Extism 1.0.x corrupts its state past ~16,000 calls without a reset; reset well before. */
const EXTISM_CALLS_BEFORE_RESET = 10_000;
/** Sequential batch-of-1 sandbox calls timed for the round-trip percentiles. */
const SANDBOX_ROUND_TRIPS = 20_000;
/** Blocks of the interleaved sandbox / inline measurement, per batch size and round. */
const INTERLEAVE_BLOCKS = 40;
/** Calls of one runner in a row in the interleaved measurement, before the other runner's turn. */
const INTERLEAVE_BLOCK = 20;
/** Rounds of every case; each row reports its median round. */
export const RUNTIME_BENCH_ROUNDS = 5;

const FILTER = { dir: 'json-filter', params: { field: 'level', value: 'error' } };
const MAP = { dir: 'json-map', params: { fields: 'level,user' } as Record<string, string> };
/** The Rust twins of FILTER and MAP: same params, same output bytes. */
const RUST_DIRS = { filter: 'json-filter-rs', map: 'json-map-rs' } as const;

/** Records per batch, blocks and calls per block of the pipeline comparison (fresh against recycled batch buffers), per round. */
const PIPELINE_BATCH = 4096;
const PIPELINE_BLOCKS = 20;
const PIPELINE_BLOCK = 10;

export async function runRuntimeBench(options: { timeMs?: number; rounds?: number; write?: boolean; log?: (line: string) => void } = {}): Promise<RuntimeBenchResult> {
  // Every case runs in each of several rounds, and a row reports its median round: the runners of
  // one comparison are then measured near each other in time several times over, instead of once
  // each minutes apart on a machine whose speed moves.
  const rounds = options.rounds ?? RUNTIME_BENCH_ROUNDS;
  const timeMs = options.timeMs ?? 300;
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const filterModule = await loadExample(FILTER.dir);
  const mapModule = await loadExample(MAP.dir);

  // Instantiation: compile once (host), instantiate per worker: this is the per-worker cost.
  const instTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = process.hrtime.bigint();
    ModuleInstance.create(filterModule.compiled, FILTER.params);
    instTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  instTimes.sort((a, b) => a - b);

  const inline = new InlineRunner();
  const loadAtStart = loadavg()[0]!;
  const threadsBefore = threadIds();
  const pool = await SandboxPool.start({ threads: 2 });
  const pollingAtStart = pool.stats().pollingOn;
  // The threads the pool started: its workers (pinned, with the host, in the interleaved measurement).
  const workerThreads = [...threadIds()].filter((t) => !threadsBefore.has(t));
  const handles: Record<'filter' | 'map', { inline: ModuleHandle; sandbox: ModuleHandle }> = {
    filter: { inline: inline.register(filterModule, { params: FILTER.params }), sandbox: pool.register(filterModule, { params: FILTER.params }) },
    map: { inline: inline.register(mapModule, { params: MAP.params }), sandbox: pool.register(mapModule, { params: MAP.params }) },
  };
  const rustModules = { filter: await loadExample(RUST_DIRS.filter), map: await loadExample(RUST_DIRS.map) };
  const rustHandles: typeof handles = {
    filter: { inline: inline.register(rustModules.filter, { params: FILTER.params }), sandbox: pool.register(rustModules.filter, { params: FILTER.params }) },
    map: { inline: inline.register(rustModules.map, { params: MAP.params }), sandbox: pool.register(rustModules.map, { params: MAP.params }) },
  };

  const wasm = readFileSync(await buildExtismPlugin());
  const { default: createPlugin } = await import('@extism/extism');
  const plugin = await createPlugin({ wasm: [{ data: new Uint8Array(wasm) }], config: FILTER.params }, { useWasi: false, runInWorker: false });
  let extismCalls = 0;
  const extismGuard = async (calls: number) => {
    if (extismCalls + calls > EXTISM_CALLS_BEFORE_RESET) {
      await plugin.reset();
      extismCalls = 0;
    }
    extismCalls += calls;
  };

  const meta = new Map<string, { kind: RuntimeBenchRow['kind']; runner: RuntimeBenchRow['runner']; batch: number }>();
  const cases: { name: string; fn: () => unknown; beforeEach?: () => void }[] = [];
  const add = (kind: RuntimeBenchRow['kind'], runner: RuntimeBenchRow['runner'], batch: number, fn: () => unknown, beforeEach?: () => void) => {
    const name = `${kind} ${runner} ${batch}`;
    meta.set(name, { kind, runner, batch });
    cases.push({ name, fn, ...(beforeEach === undefined ? {} : { beforeEach }) });
  };

  let sink = 0;
  const jsRows: (() => void)[] = [];
  for (const batch of RUNTIME_BENCH_BATCH_SIZES) {
    const records = makeRecords(batch);
    const encoded = encodeBatch(records);
    // Sanity: every runner keeps the same records.
    const expectKept = jsFilter(records).length;
    const inlineKept = decodeBatch(inline.runSync(handles.filter.inline, encoded).output).length;
    if (inlineKept !== expectKept) throw new Error(`filter module kept ${inlineKept} of ${batch}, JavaScript kept ${expectKept}`);
    for (const kind of ['filter', 'map'] as const) {
      const h = handles[kind];
      // Each call of either runner gets its batch as ErrorPolicy.runBatch hands it over (handOver):
      // fresh copies would measure page faults, and a worker asleep by the time the batch comes
      // (docs/sandbox.md, "Batch buffers").
      const hand = handOver(encoded);
      add(kind, 'inline', batch, () => { sink += hand.done(inline.runSync(h.inline, hand.input, null, hand.options).output); }, hand.fill);
      add(kind, 'sandbox', batch, async () => { sink += hand.done((await pool.run(h.sandbox, hand.input, null, hand.options)).output); }, hand.fill);
      // The Rust twin: the same bytes out (checked here), then the same two ways of running it.
      const r = rustHandles[kind];
      if (!Buffer.from(inline.runSync(r.inline, encoded).output).equals(Buffer.from(inline.runSync(h.inline, encoded).output))) {
        throw new Error(`${RUST_DIRS[kind]} and its AssemblyScript twin disagree at batch ${batch}`);
      }
      const rustHand = handOver(encoded);
      add(kind, 'rust-inline', batch, () => { sink += rustHand.done(inline.runSync(r.inline, rustHand.input, null, rustHand.options).output); }, rustHand.fill);
      add(kind, 'rust-sandbox', batch, async () => { sink += rustHand.done((await pool.run(r.sandbox, rustHand.input, null, rustHand.options)).output); }, rustHand.fill);
    }
    const ext = extismBatch(records);
    const extOut = (await plugin.call('filter_batch', ext.slice()))?.bytes();
    const extKept = extOut === undefined ? -1 : extismCount(extOut);
    if (extKept !== expectKept) throw new Error(`Extism filter kept ${extKept} of ${batch}, JavaScript kept ${expectKept}`);
    const values = records.map((r) => r.value!.slice());
    add('filter', 'extism-batch', batch, async () => {
      await extismGuard(1);
      const out = await plugin.call('filter_batch', ext.slice());
      sink += out === null ? 0 : out.bytes()[0]!;
    });
    add('filter', 'extism-record', batch, async () => {
      await extismGuard(values.length);
      for (const v of values) {
        // Extism reads a view's whole backing store: hand it standalone copies.
        const out = await plugin.call('filter_record', v.slice());
        sink += out === null ? 0 : out.bytes()[0]!;
      }
    });
    jsRows.push(() => {
      add('filter', 'js', batch, () => { sink += jsFilter(records).length; });
      add('map', 'js', batch, () => { sink += jsMap(records).length; });
    });
  }
  // The JavaScript rows come last in a round: they allocate heavily (JSON.parse of every record),
  // and rows run after them may pay for their garbage.
  for (const addRows of jsRows) addRows();

  // Cost of the ABI encode + decode the pipeline does around a WASM call (not in the rows above):
  // warmed up first (V8 optimises encodeBatch only after some hundred calls), then the median of
  // 200 rounds over 1024 records.
  const abiRecords = makeRecords(1024);
  const abiRounds: number[] = [];
  for (let i = 0; i < 700; i++) {
    const t0 = process.hrtime.bigint();
    sink += decodeBatch(encodeBatch(abiRecords)).length;
    if (i >= 500) abiRounds.push(Number(process.hrtime.bigint() - t0) / 1024);
  }
  abiRounds.sort((a, b) => a - b);
  const encodeDecodeNsPerRecord = quantileSorted(abiRounds, 0.5);

  // Every case, the round trips and the interleaved measurement start from a collected heap (npm
  // run bench exposes gc), so that the garbage of what ran before does not land in their timed calls.
  const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

  // Batch-of-1 round trip through the sandbox: many sequential calls, each timed alone, once per
  // round (after the round's cases), so that it is sampled at several moments like every row.
  const one = encodeBatch(makeRecords(1));
  const tripRounds: { p50: number; p99: number; p999: number }[] = [];
  const roundTrips = async (): Promise<void> => {
    collectGarbage();
    for (let i = 0; i < 2000; i++) await pool.run(handles.filter.sandbox, one.slice());
    const trips: number[] = [];
    for (let i = 0; i < SANDBOX_ROUND_TRIPS; i++) {
      const input = one.slice(); // outside the timed region, like the rows above
      const t0 = process.hrtime.bigint();
      sink += (await pool.run(handles.filter.sandbox, input)).output.length;
      trips.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    trips.sort((a, b) => a - b);
    tripRounds.push({ p50: quantileSorted(trips, 0.5), p99: quantileSorted(trips, 0.99), p999: quantileSorted(trips, 0.999) });
  };

  // A cross-check of the sandbox / inline targets (which compare the rows): the two runners
  // interleaved in blocks of INTERLEAVE_BLOCK calls, so that both see the same moments of a
  // machine whose speed moves within seconds; each call gets its batch handed over as in the rows.
  // The cores may run at different speeds too, and the inline runner uses the host's core while
  // the sandbox runs the module on its worker's: so the host and the workers are pinned to
  // opposite cores (taskset), once each way, and a round's ratio is the geometric mean of the two.
  const pinning = CORES >= 2 && workerThreads.length > 0 && pin([process.pid], 0);
  if (pinning) pin([process.pid], -1);
  const interleavedBatches = [1024, 4096];
  const interleaved = new Map<number, InterleavedRound[]>();
  const interleavedInputs = new Map(interleavedBatches.map((batch) => [batch, handOver(encodeBatch(makeRecords(batch)))]));
  const interleave = async (): Promise<void> => {
    collectGarbage();
    for (const batch of interleavedBatches) {
      const hand = interleavedInputs.get(batch)!;
      const ways: InterleavedRound['ways'] = [];
      for (const hostCore of pinning ? [0, 1] : [-1]) {
        if (pinning) {
          pin([process.pid], hostCore);
          pin(workerThreads, 1 - hostCore);
        }
        const times = { inline: [] as number[], sandbox: [] as number[], rust: [] as number[] };
        for (let b = 0; b < INTERLEAVE_BLOCKS; b++) {
          // The Rust filter inline in the same blocks: modules compared seconds apart on this
          // machine drift with its speed, compared in alternating blocks they do not.
          for (const [h, list] of [[handles.filter.inline, times.inline], [rustHandles.filter.inline, times.rust]] as const) {
            for (let i = 0; i < INTERLEAVE_BLOCK; i++) {
              hand.fill();
              const t0 = process.hrtime.bigint();
              sink += hand.done(inline.runSync(h, hand.input, null, hand.options).output);
              list.push(Number(process.hrtime.bigint() - t0) / 1e3);
            }
          }
          for (let i = 0; i < INTERLEAVE_BLOCK; i++) {
            hand.fill();
            const t0 = process.hrtime.bigint();
            sink += hand.done((await pool.run(handles.filter.sandbox, hand.input, null, hand.options)).output);
            times.sandbox.push(Number(process.hrtime.bigint() - t0) / 1e3);
          }
        }
        ways.push({ hostCore, inlineUs: median(times.inline), sandboxUs: median(times.sandbox), rustInlineUs: median(times.rust) });
      }
      if (pinning) pin([process.pid, ...workerThreads], -1);
      const geomean = (f: (w: InterleavedRound['ways'][number]) => number): number => Math.exp(ways.reduce((a, w) => a + Math.log(f(w)), 0) / ways.length);
      const list = interleaved.get(batch) ?? [];
      list.push({ ratio: geomean((w) => w.sandboxUs / w.inlineUs), rustRatio: geomean((w) => w.rustInlineUs / w.inlineUs), ways });
      interleaved.set(batch, list);
    }
  };

  // A pipeline's whole batch, encode + sandbox call + decode: ErrorPolicy.runBatch, which recycles
  // its batch buffers, against the same steps on fresh buffers (what runBatch did before), in
  // alternating blocks. The time between the calls is not idle: the next batch is encoded there.
  const pipelineRecords = makeRecords(PIPELINE_BATCH);
  const policy = new ErrorPolicy({ policy: 'halt' });
  const pipelineRounds: PipelineRound[] = [];
  const pipeline = async (): Promise<void> => {
    collectGarbage();
    const times = { fresh: [] as number[], recycled: [] as number[] };
    const faults = { fresh: 0, recycled: 0 };
    for (let b = 0; b < PIPELINE_BLOCKS; b++) {
      for (const way of ['fresh', 'recycled'] as const) {
        const f0 = mainThreadFaults();
        for (let i = 0; i < PIPELINE_BLOCK; i++) {
          const t0 = process.hrtime.bigint();
          if (way === 'fresh') sink += decodeBatch((await pool.run(handles.filter.sandbox, encodeBatch(pipelineRecords))).output).length;
          else {
            const out = await policy.runBatch(pool, handles.filter.sandbox, pipelineRecords);
            sink += out.status === 'ok' ? out.records.length : 0;
          }
          times[way].push(Number(process.hrtime.bigint() - t0) / 1e3);
        }
        faults[way] += mainThreadFaults() - f0;
      }
    }
    const calls = PIPELINE_BLOCKS * PIPELINE_BLOCK;
    const summary = (way: 'fresh' | 'recycled') => ({
      meanUs: times[way].reduce((a, x) => a + x, 0) / calls,
      p50Us: median(times[way]),
      faultsPerBatch: faults[way] / calls,
    });
    pipelineRounds.push({ fresh: summary('fresh'), recycled: summary('recycled') });
  };

  log(`runtime bench: ${meta.size} cases, ${rounds} rounds of ~${timeMs} ms each`);
  const perRound = new Map<string, { mean: number; p50: number; p99: number; samples: number }[]>();
  const coreLoopMs: number[][] = [];
  for (let i = 0; i < 3; i++) coreLoop(); // optimised before it is timed
  for (let round = 0; round < rounds; round++) {
    if (pinning) {
      coreLoopMs.push([0, 1].map((core) => {
        pin([process.pid], core);
        const ms = Math.min(coreLoop(), coreLoop(), coreLoop());
        pin([process.pid], -1);
        return ms;
      }));
    }
    // A fresh Bench per round: a tinybench run keeps its tasks' results.
    const bench = new Bench({ time: timeMs, iterations: 10, warmupTime: 100, warmupIterations: 5, timestampProvider: 'hrtimeNow', throws: true });
    for (const c of cases) {
      bench.add(c.name, c.fn as () => void, {
        beforeAll: collectGarbage,
        ...(c.beforeEach === undefined ? {} : { beforeEach: c.beforeEach }),
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`bench task ${task.name} did not complete: ${r.state}`);
      const list = perRound.get(task.name) ?? [];
      list.push({ mean: r.latency.mean, p50: r.latency.p50, p99: r.latency.p99, samples: r.latency.samplesCount });
      perRound.set(task.name, list);
    }
    await roundTrips();
    await interleave();
    await pipeline();
  }

  const rows: RuntimeBenchRow[] = [];
  for (const [name, list] of perRound) {
    const m = meta.get(name)!;
    const p50 = median(list.map((x) => x.p50));
    rows.push({
      ...m,
      nsPerRecord: (median(list.map((x) => x.mean)) * 1e6) / m.batch,
      nsPerRecordP50: (p50 * 1e6) / m.batch,
      p50BatchUs: p50 * 1e3,
      p99BatchUs: median(list.map((x) => x.p99)) * 1e3,
      samples: list.reduce((a, x) => a + x.samples, 0),
      roundsP50BatchUs: list.map((x) => x.p50 * 1e3),
    });
  }
  // Reported by batch size, then kind, then runner (they ran in another order, see above).
  const runnerOrder: RuntimeBenchRow['runner'][] = ['js', 'inline', 'sandbox', 'rust-inline', 'rust-sandbox', 'extism-batch', 'extism-record'];
  rows.sort((a, b) => a.batch - b.batch || (a.kind === b.kind ? 0 : a.kind === 'filter' ? -1 : 1) || runnerOrder.indexOf(a.runner) - runnerOrder.indexOf(b.runner));
  // The round whose p99 is the median: its figures are reported, with every round's p99.
  const tripMedian = medianBy(tripRounds, (r) => r.p99);
  const sandboxRoundTripUs = { ...tripMedian, samples: SANDBOX_ROUND_TRIPS * tripRounds.length, roundsP99: tripRounds.map((r) => r.p99) };

  const poolStats = pool.stats();
  await pool.close();
  await inline.close();
  await plugin.close();
  if (sink < 0) log('unreachable');

  const row = (kind: RuntimeBenchRow['kind'], runner: RuntimeBenchRow['runner'], batch: number) =>
    rows.find((x) => x.kind === kind && x.runner === runner && x.batch === batch)!;
  const targets: RuntimeBenchResult['targets'] = [];
  const crossChecks: RuntimeBenchResult['crossChecks'] = [];
  for (const batch of [1024, 4096]) {
    const sb = row('filter', 'sandbox', batch).nsPerRecordP50;
    const il = row('filter', 'inline', batch).nsPerRecordP50;
    const js = row('filter', 'js', batch).nsPerRecordP50;
    const ext = Math.min(row('filter', 'extism-batch', batch).nsPerRecordP50, row('filter', 'extism-record', batch).nsPerRecordP50);
    // The target: the rows' ratio (each runner run by tinybench for ~300 ms per round, the median
    // round). The interleaved measurement (above) is a cross-check beside it: one ratio per round,
    // the median of the rounds.
    const rounds = (runner: 'inline' | 'sandbox') => row('filter', runner, batch).roundsP50BatchUs.map((x) => x.toFixed(0)).join(' / ');
    targets.push({
      name: `filter sandbox / inline, batch ${batch} (p50 µs per round, sandbox: ${rounds('sandbox')}; inline: ${rounds('inline')})`,
      value: sb / il,
      target: '<= 1.5',
      ok: sb / il <= 1.5,
    });
    const perRound = interleaved.get(batch)!.map((r) => r.ratio);
    const ratio = median(perRound);
    crossChecks.push({
      name: `filter sandbox / inline, batch ${batch}, interleaved${pinning ? ', cores swapped' : ''} (rounds: ${perRound.map((x) => x.toFixed(2)).join(', ')})`,
      value: ratio,
      target: '<= 1.5',
      ok: ratio <= 1.5,
    });
    targets.push({ name: `filter sandbox / js, batch ${batch}`, value: sb / js, target: '<= 1', ok: sb / js <= 1 });
    targets.push({ name: `extism best / filter sandbox, batch ${batch}`, value: ext / sb, target: '>= 10', ok: ext / sb >= 10 });
    // Rust against AssemblyScript: the interleaved blocks are the target, the rows' ratios beside it.
    const rustRounds = interleaved.get(batch)!.map((r) => r.rustRatio);
    const rustRatio = median(rustRounds);
    targets.push({ name: `filter Rust / AssemblyScript per record, inline, batch ${batch}, interleaved (rounds: ${rustRounds.map((x) => x.toFixed(2)).join(', ')})`, value: rustRatio, target: '<= 1', ok: rustRatio <= 1 });
    for (const runner of ['inline', 'sandbox'] as const) {
      const ratio = row('filter', `rust-${runner}`, batch).nsPerRecordP50 / row('filter', runner, batch).nsPerRecordP50;
      crossChecks.push({ name: `filter Rust / AssemblyScript per record, ${runner} rows, batch ${batch}`, value: ratio, target: '<= 1', ok: ratio <= 1 });
    }
  }
  const p99One = sandboxRoundTripUs.p99;
  targets.push({ name: `sandbox batch-of-1 round trip p99, µs (rounds: ${sandboxRoundTripUs.roundsP99.map((x) => x.toFixed(0)).join(', ')})`, value: p99One, target: '<= 100', ok: p99One <= 100 });
  const instP50 = quantileSorted(instTimes, 0.5);
  targets.push({ name: 'module instantiation p50 (ms)', value: instP50, target: '<= 5', ok: instP50 <= 5 });

  const result: RuntimeBenchResult = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    rows,
    instantiateMs: { p50: instP50, p99: quantileSorted(instTimes, 0.99), module: FILTER.dir },
    sandboxRoundTripUs,
    interleaved: interleavedBatches.map((batch) => ({ batch, pinned: pinning, blocks: INTERLEAVE_BLOCKS, blockCalls: INTERLEAVE_BLOCK, rounds: interleaved.get(batch)! })),
    loadAverage: loadavg(),
    loadAtStart,
    coreLoopMs,
    polling: { start: pollingAtStart, end: poolStats.pollingOn, othersLoadAtEnd: poolStats.othersLoad, syncWaits: poolStats.syncWaits, syncReplies: poolStats.syncReplies },
    encodeDecodeNsPerRecord,
    pipeline: { batch: PIPELINE_BATCH, callsPerWay: PIPELINE_BLOCKS * PIPELINE_BLOCK, rounds: pipelineRounds },
    targets,
    crossChecks,
  };
  if (options.write !== false) writeResults('runtime', result, renderMarkdown(result));
  log(renderMarkdown(result));
  return result;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runRuntimeBench();
}
