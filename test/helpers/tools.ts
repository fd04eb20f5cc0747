import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The interpreter the Debian python3-kafka / python3-confluent-kafka packages are installed for. */
export const PYTHON = '/usr/bin/python3';

function onPath(name: string): string | undefined {
  if (name.includes('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Returns the tool's path or throws: a missing tool FAILS the test, in CI and locally alike,
 * because `npm run setup` installs every tool the suite needs. Never a skip.
 */
export function requireTool(name: string): string {
  const found = onPath(name);
  if (!found) {
    const where = process.env.CI === 'true' ? 'CI' : 'this machine';
    throw new Error(`required tool "${name}" is not installed on ${where}: run \`npm run setup\` (scripts/setup.sh installs it)`);
  }
  return found;
}

/** Throws unless /usr/bin/python3 can import every module named (same rule as requireTool). */
export function requirePythonModules(...modules: string[]): void {
  requireTool(PYTHON);
  for (const mod of modules) {
    const probe = spawnSync(PYTHON, ['-c', `import ${mod}`], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(`python module "${mod}" is missing for ${PYTHON}: run \`npm run setup\`\n${probe.stderr}`);
    }
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a command to completion, collecting stdout as bytes; killed (by its pid) after timeoutMs. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs ?? 120_000} ms\n${stderr.slice(-4000)}`));
        return;
      }
      resolve({ code, signal, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.on('error', () => {
      // the child may exit before reading all input; its exit code tells the story
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Like runProcess but throws, with the tail of stderr, unless the exit code is 0. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} exited with ${result.code ?? result.signal}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}
