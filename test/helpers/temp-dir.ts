import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the OS temp dir; remove it with removeTempDir in afterAll. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `sluice-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
