/**
 * Builds the bench's Extism plugin (bench/extism/assembly/index.ts, written against
 * @extism/as-pdk) with asc into bench/extism/build/filter.wasm, unless that is newer than its source.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { packageRoot } from '../lib/results.js';

export async function buildExtismPlugin(): Promise<string> {
  const root = packageRoot();
  const source = join(root, 'bench', 'extism', 'assembly', 'index.ts');
  const out = join(root, 'bench', 'extism', 'build', 'filter.wasm');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return out;
  mkdirSync(dirname(out), { recursive: true });
  const asc = (await import('assemblyscript/asc')).default;
  const rel = relative(root, source);
  const { error, stderr } = await asc.main(
    [rel, '--outFile', relative(root, out), '--optimize', '--use', `abort=${rel.replace(/\.ts$/, '')}/myAbort`],
    { stdout: process.stdout, stderr: process.stderr, baseDir: root } as Parameters<typeof asc.main>[1],
  );
  if (error) throw new Error(`building the Extism plugin failed: ${error.message}\n${stderr.toString()}`);
  return out;
}
