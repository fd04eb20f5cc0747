/** The `sluice` command run against a broker process, as a user types it: exit code, stdout, one-line stderr. */
import { expect } from 'vitest';
import type { BrokerProcess } from './broker-process.js';
import { REPO_ROOT, SLUICE_BIN, ensureBuilt } from './repo.js';
import { runProcess } from './tools.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `sluice <args> --bootstrap <broker>` with `input` on stdin. */
export async function sluiceAgainst(broker: BrokerProcess, args: string[], input = ''): Promise<CliRun> {
  ensureBuilt();
  const r = await runProcess(process.execPath, [SLUICE_BIN, ...args, '--bootstrap', broker.address], { cwd: REPO_ROOT, input, timeoutMs: 60_000 });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** The same, and its stdout; a non-zero exit throws with its stderr and the broker's output. */
export async function sluiceOk(broker: BrokerProcess, args: string[], input = ''): Promise<string> {
  const r = await sluiceAgainst(broker, args, input);
  if (r.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${r.code}: ${r.stderr}\n${broker.output()}`);
  return r.stdout;
}

/** Runs each refused request and checks it exits non-zero with one line on stderr matching its pattern. */
export async function expectRefusals(broker: BrokerProcess, cases: readonly (readonly [string[], RegExp])[]): Promise<void> {
  for (const [args, message] of cases) {
    const r = await sluiceAgainst(broker, args);
    const label = args.join(' ');
    expect(r.code, label).not.toBe(0);
    expect(r.stderr.split('\n').filter((l) => l !== ''), label).toHaveLength(1);
    expect(r.stderr.trim(), label).toMatch(message);
  }
}
