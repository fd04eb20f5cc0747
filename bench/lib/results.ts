/** Where bench results go: bench/results/<name>.json and .md at the package root. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether running from bench/ (source) or dist/bench/ (built). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the bench');
    dir = up;
  }
  return dir;
}

export function resultsDir(): string {
  return path.join(packageRoot(), 'bench', 'results');
}

export function writeResults(name: string, json: unknown, markdown: string): { json: string; markdown: string } {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, `${name}.json`), markdown: path.join(dir, `${name}.md`) };
  writeFileSync(files.json, JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  writeFileSync(files.markdown, markdown);
  return files;
}
