/**
 * Whether polling a mailbox pays right now. Polling (sandbox worker and host, docs/sandbox.md)
 * wins when a core is free to poll on; on an oversubscribed machine a polling thread burns the
 * time slice the thread it waits for needs, and sleeping is faster. The signal is the 1-minute
 * load average less this process's own share of it (its CPU time, averaged the way the kernel
 * averages the load, so our own polling threads do not turn polling off), against the cores,
 * read at most every SANDBOX_POLL_LOAD_CHECK_MS.
 */
import { availableParallelism, loadavg } from 'node:os';
import { SANDBOX_POLL_LOAD_CHECK_MS, SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE } from '../constants.js';

/** 'auto' follows the load (pollingPays); 'always' and 'never' are for tests and measurements. */
export type PollingMode = 'auto' | 'always' | 'never';

/** The rule itself: poll unless other processes' load exceeds SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE per core. */
export function pollingPaysAt(othersLoad: number, cores: number): boolean {
  return othersLoad <= cores * SANDBOX_POLL_MAX_OTHERS_LOAD_PER_CORE;
}

/** The kernel's load average decays by this factor per minute (an exponential with a 60 s time constant). */
const LOAD_TIME_CONSTANT_MS = 60_000;

/**
 * This process's CPU use, in cores, averaged like the 1-minute load average: `update` folds in
 * the use since the last update. A thread that runs all the time adds 1, as it adds 1 to the load.
 */
export class OwnLoad {
  #average = 0;
  #lastCpu: NodeJS.CpuUsage;
  #lastAt: number;

  constructor(now = performance.now(), cpu = process.cpuUsage()) {
    this.#lastAt = now;
    this.#lastCpu = cpu;
  }

  update(now = performance.now(), cpu = process.cpuUsage()): number {
    const dtMs = now - this.#lastAt;
    if (dtMs > 0) {
      const usedMs = (cpu.user - this.#lastCpu.user + cpu.system - this.#lastCpu.system) / 1000;
      const k = Math.exp(-dtMs / LOAD_TIME_CONSTANT_MS);
      this.#average = this.#average * k + (usedMs / dtMs) * (1 - k);
    }
    this.#lastCpu = cpu;
    this.#lastAt = now;
    return this.#average;
  }
}

/**
 * Cores this process may use, read once when it starts: availableParallelism() follows the
 * calling thread's CPU affinity, so a thread pinned later (the runtime bench pins threads to
 * compare cores) would otherwise see one core and stop polling.
 */
const CORES = availableParallelism();

let checkedAt = -Infinity;
let pays = true;
let own: OwnLoad | undefined;
let lastOthers = 0;

/** The 1-minute load average less this process's share, as of the last check (for reports). */
export function othersLoad(): number {
  return lastOthers;
}

/** Whether to poll in `mode`, reading the load at most every SANDBOX_POLL_LOAD_CHECK_MS. */
export function pollingPays(mode: PollingMode = 'auto'): boolean {
  if (mode !== 'auto') return mode === 'always';
  const now = performance.now();
  if (now - checkedAt >= SANDBOX_POLL_LOAD_CHECK_MS) {
    checkedAt = now;
    own ??= new OwnLoad();
    lastOthers = Math.max(0, loadavg()[0]! - own.update(now));
    pays = pollingPaysAt(lastOthers, CORES);
  }
  return pays;
}
