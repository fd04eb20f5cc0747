/** Where bench results go: bench/results/<name>.json and .md at the package root. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRootAbove } from '../../cli/package-root.js';
import { formatNumber } from './stats.js';

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

export interface BenchTarget {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

/** A results page's opening: its title, where and when it ran (and `extra`), and its targets table. */
export function resultsHeader(
  title: string,
  r: { generatedAt: string; node: string; cpus: number; loadAverage: { start: number; end: number }; targets: readonly BenchTarget[] },
  extra = '',
): string[] {
  return [
    `# ${title}`,
    '',
    `Generated ${r.generatedAt} on Node ${r.node}, ${r.cpus} CPUs, load average ${formatNumber(r.loadAverage.start, 2)} at start and ${formatNumber(r.loadAverage.end, 2)} at end.${extra}`,
    '',
    '| figure | value | target | met |',
    '| --- | ---: | --- | --- |',
    ...r.targets.map((x) => `| ${x.name} | ${formatNumber(x.value, 2)} ${x.unit} | ${x.target} | ${x.ok ? 'yes' : 'NO'} |`),
  ];
}
