/** Builds an example module from source (skipped when up to date) and loads it. */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { buildModule } from '../../runtime/build/module-build.js';
import { loadModule, type LoadedModule } from '../../runtime/module-loader.js';
import { REPO_ROOT } from '../helpers/repo.js';

export async function loadExampleModule(name: string): Promise<LoadedModule> {
  const built = await buildModule(path.join(REPO_ROOT, 'modules', name));
  return loadModule(readFileSync(built.out), { name });
}
