import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker file. From dist/ it sits beside this module; under vitest this module is
 * the .ts source, so the worker comes from the package's dist/ (tests run after `npm run build`).
 */
export function sandboxWorkerPath(): string {
  return compiledFile(import.meta.url, 'worker.js', 'runtime/sandbox');
}

/**
 * A compiled file beside the module at `metaUrl` (its import.meta.url), which sits in `dir` of the
 * package; under vitest, where that module is the .ts source, the file in the package's dist/.
 */
export function compiledFile(metaUrl: string, name: string, dir: string): string {
  const here = dirname(fileURLToPath(metaUrl));
  const sibling = join(here, name);
  if (existsSync(sibling)) return sibling;
  const root = join(here, ...dir.split('/').map(() => '..'));
  const fromRoot = join(root, 'dist', dir, name);
  if (existsSync(fromRoot)) return fromRoot;
  throw new Error(`${dir}/${name} not built: neither ${sibling} nor ${fromRoot} exists; run \`npm run build\` first`);
}
