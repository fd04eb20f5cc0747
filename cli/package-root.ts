/**
 * The checkout's root (where package.json, modules/ and dist/ live), found by walking up from a
 * file rather than by counting directories: dist/cli/commands/broker.js and the bundle
 * dist/sluice-broker.cjs sit at different depths.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above `from` (a file URL or path) that holds a package.json. */
export function packageRootAbove(from: string | URL): string {
  const start = typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from);
  let dir = dirname(start);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}
