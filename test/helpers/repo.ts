import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, whatever directory vitest was started from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The compiled CLI entry the broker processes run. */
export const SLUICE_BIN = path.join(REPO_ROOT, 'bin', 'sluice.js');

/** Fails with a clear message when `npm run build` has not produced dist/ yet (npm test does it in pretest). */
export function ensureBuilt(): void {
  const entry = path.join(REPO_ROOT, 'dist', 'cli', 'index.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does it in pretest)`);
  }
}
