import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory under the OS temp dir; remove it with removeTempDir in afterAll. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `sluice-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A maker of fresh temporary directories for one test file; all of them are removed after its last test. */
export function tempDirsForFile(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });
  return async () => {
    const dir = makeTempDir(prefix);
    dirs.push(dir);
    return dir;
  };
}
