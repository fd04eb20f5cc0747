/**
 * `npm run bench`: runs every bench/*-bench.ts (built to dist/bench/*-bench.js) in name
 * order, one after the other so they do not disturb each other. Each bench file exports
 * one `run…Bench(options)` function that writes its own bench/results/<name>.{json,md}.
 * Optional: `npm run bench -- broker` runs only the benches whose file name contains "broker".
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type BenchRunner = (options?: { write?: boolean; log?: (line: string) => void }) => Promise<unknown>;

const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => /-bench\.js$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([name, value]) => /^run\w*Bench$/.test(name) && typeof value === 'function');
  if (entry === undefined) {
    process.stderr.write(`bench: ${file} exports no run…Bench function\n`);
    failed++;
    continue;
  }
  process.stdout.write(`\n=== ${file} (${entry[0]}) ===\n`);
  const started = Date.now();
  try {
    await (entry[1] as BenchRunner)({ write: true });
    process.stdout.write(`=== ${file}: done in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`bench: ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
if (files.length === 0) process.stderr.write('bench: no *-bench.js files found\n');
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
