import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker file. From dist/ it sits beside this module; under vitest this module is
 * the .ts source, so the worker comes from the package's dist/ (tests run after `npm run build`).
 */
export function sandboxWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'worker.js');
  if (existsSync(sibling)) return sibling;
  const fromRoot = join(here, '..', '..', 'dist', 'runtime', 'sandbox', 'worker.js');
  if (existsSync(fromRoot)) return fromRoot;
  throw new Error(`sandbox worker not built: neither ${sibling} nor ${fromRoot} exists; run \`npm run build\` first`);
}
