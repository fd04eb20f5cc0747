/**
 * Starts `node bin/sluice.js broker start` as a child process for the benches and
 * measures what an operator sees: time to the first accepted connection, RSS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { packageRoot } from './results.js';

export interface BenchBroker {
  pid: number;
  port: number;
  /** From spawn to the first TCP connection the broker accepted, in ms. */
  coldStartMs: number;
  /** CPU time (user + system) the broker process had used by then, in ms (10 ms resolution). */
  coldStartCpuMs: number;
  process: ChildProcess;
  /** Resident set size now, in bytes (VmRSS of /proc/<pid>/status). */
  rssBytes(): number;
  stop(): Promise<void>;
}

const LISTENING_RE = /listening on [^\s:]+:(\d+)/;
const START_TIMEOUT_MS = 20_000;

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * User + system CPU time of a process so far, in ms (from /proc/<pid>/stat, clock ticks of 10 ms);
 * of one of its threads only when given `tid` (its main thread, the event loop, is `tid` = `pid`).
 */
export function cpuMsOf(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const CLOCK_TICKS_PER_S = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** Wall time of `node -e ""` from spawn to exit: how fast this machine starts Node at all right now. */
export async function bareNodeStartMs(): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('exit', () => resolve());
    child.once('error', reject);
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Spawns a broker on an ephemeral port over `dataDir`; the clock starts before
 * spawn and stops when a TCP connect succeeds (the port is read from the one line on stdout).
 */
export async function startBenchBroker(dataDir: string, extraArgs: readonly string[] = []): Promise<BenchBroker> {
  const bin = path.join(packageRoot(), 'bin', 'sluice.js');
  // The broker bundle that `npm run bench` just built, even when a tsc run since (another engineer's)
  // left it older than dist/ and bin/sluice.js would pass it over for the ES modules.
  const bundled = existsSync(path.join(packageRoot(), 'dist', 'sluice-broker.cjs'));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, 'broker', 'start', '--port', '0', '--data', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'warn',
      ...(bundled && process.env.SLUICE_BUNDLE === undefined ? { SLUICE_BUNDLE: 'on' } : {}),
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = LISTENING_RE.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before listening: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  while (!(await tryConnect(port))) await new Promise((r) => setTimeout(r, 1));
  const coldStartMs = Number(process.hrtime.bigint() - started) / 1e6;
  const pid = child.pid!;
  const coldStartCpuMs = cpuMsOf(pid);
  return {
    pid,
    port,
    coldStartMs,
    coldStartCpuMs,
    process: child,
    rssBytes: () => rssOf(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
