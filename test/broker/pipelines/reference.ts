/**
 * What a derived topic must hold: the chain's modules run once, in this process, over a source
 * partition's records in offset order (inline, whatever the batch size: an aggregate's result does
 * not depend on how its records are batched), and a plain JavaScript fold for count-sum.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeBatch, encodeBatch, loadModule, type HostRecord } from '../../../runtime/index.js';
import { InlineRunner } from '../../../runtime/sandbox/index.js';
import { REPO_ROOT } from '../../helpers/repo.js';

/** A module of a chain by file, as a test names it. */
export interface RefStep {
  /** modules/<name> or test/fixtures/modules/<name>. */
  module: string;
  params?: Record<string, string>;
}

function wasmPath(name: string): string {
  for (const dir of ['modules', path.join('test', 'fixtures', 'modules')]) {
    const p = path.join(REPO_ROOT, dir, name, 'build', `${name}.wasm`);
    try {
      readFileSync(p);
      return p;
    } catch {
      // next
    }
  }
  throw new Error(`no built module ${name}`);
}

/** The chain's output over `records` (one partition, in offset order): keys and values. */
export async function referenceOutput(chain: RefStep[], records: HostRecord[], batchSize = 500): Promise<{ key: string | null; value: string | null }[]> {
  const runner = new InlineRunner();
  const handles = await Promise.all(chain.map(async (s) => runner.register(await loadModule(readFileSync(wasmPath(s.module)), { name: s.module }), { params: s.params ?? {} })));
  const states: (Uint8Array | null)[] = handles.map(() => null);
  const out: { key: string | null; value: string | null }[] = [];
  const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));
  for (let i = 0; i < records.length; i += batchSize) {
    let batch = records.slice(i, i + batchSize);
    for (let s = 0; s < handles.length; s++) {
      const r = runner.runSync(handles[s]!, encodeBatch(batch), states[s]);
      if (handles[s]!.kind === 'aggregate') states[s] = r.state;
      batch = decodeBatch(r.output);
    }
    for (const r of batch) out.push({ key: text(r.key), value: text(r.value) });
  }
  await runner.close();
  return out;
}

/** count-sum's result by hand: per key, the count of records and the sum of their `field`. */
export function foldCountSum(records: HostRecord[], field: string): Map<string, { count: number; sum: number }> {
  const totals = new Map<string, { count: number; sum: number }>();
  for (const r of records) {
    const key = r.key === null ? 'null' : Buffer.from(r.key).toString('utf8');
    const v = JSON.parse(Buffer.from(r.value!).toString('utf8')) as Record<string, unknown>;
    const t = totals.get(key) ?? { count: 0, sum: 0 };
    t.count++;
    t.sum += typeof v[field] === 'number' ? (v[field] as number) : 0;
    totals.set(key, t);
  }
  return totals;
}
