/** Where bench results go: bench/results/<name>.json and .md at the package root. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRootAbove } from '../../cli/package-root.js';

/** The package root, whether running from bench/ (source) or dist/bench/ (built). */
export function packageRoot(): string {
  return packageRootAbove(import.meta.url);
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
