/** A worker thread that builds the module directories it is given (see buildModules). */
import { parentPort, workerData } from 'node:worker_threads';
import { buildModule, ModuleBuildError } from './module-build.js';

const { dirs, force } = workerData as { dirs: string[]; force: boolean };
for (const dir of dirs) {
  try {
    parentPort!.postMessage({ ok: true, result: await buildModule(dir, { force }) });
  } catch (err) {
    parentPort!.postMessage({ ok: false, dir, message: err instanceof ModuleBuildError ? err.message : (err as Error).message });
  }
}
