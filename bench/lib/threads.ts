/** The bench's view of threads and cores: thread ids, pinning with taskset, core speed, page faults. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Iterations of coreLoop: some milliseconds of work, long enough to time, short enough to repeat. */
const CORE_LOOP_ITERATIONS = 20_000_000;

/** Ms for a fixed integer loop on the calling thread: compares the cores' speeds. */
export function coreLoop(): number {
  const t0 = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < CORE_LOOP_ITERATIONS; i++) x = (x + i * 7) | 0;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return x === 0.5 ? -ms : ms; // never true: keeps the loop
}

/** The OS thread ids of this process. */
export function threadIds(): Set<number> {
  return new Set(readdirSync('/proc/self/task').map(Number));
}

/** Cores of the machine, read before any thread is pinned (availableParallelism follows the caller's affinity). */
export const CORES = availableParallelism();

/**
 * Pins threads to one core (-1: every core again) with taskset, each on its own (a thread that
 * has ended since is skipped: one failure must not leave the others where they were); false
 * when not one of them could be pinned.
 */
export function pin(threads: number[], core: number): boolean {
  const cpus = core < 0 ? `0-${CORES - 1}` : String(core);
  let pinned = 0;
  for (const tid of threads) {
    try {
      execFileSync('taskset', ['-p', '-c', cpus, String(tid)], { stdio: 'ignore' });
      pinned++;
    } catch {
      // ended, or taskset is missing
    }
  }
  return pinned > 0;
}


/** Minor page faults of this process's main thread so far. */
export function mainThreadFaults(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}
