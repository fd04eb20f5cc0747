/**
 * Whether polling a mailbox pays right now. Polling (sandbox worker and host, docs/sandbox.md)
 * wins when a core is free to poll on; on an oversubscribed machine a polling thread burns the
 * time slice the thread it waits for needs, and sleeping (the scheduler favours a woken thread)
 * is faster. The signal is the 1-minute load average against the cores, read at most every
 * SANDBOX_POLL_LOAD_CHECK_MS. The host and its workers count in it themselves (about one each
 * while a pipeline runs), hence a threshold above one per core.
 */
import { availableParallelism, loadavg } from 'node:os';
import { SANDBOX_POLL_LOAD_CHECK_MS, SANDBOX_POLL_MAX_LOAD_PER_CORE } from '../constants.js';

/** 'auto' follows the load (pollingPays); 'always' and 'never' are for tests and measurements. */
export type PollingMode = 'auto' | 'always' | 'never';

/** The rule itself: poll unless the load average exceeds SANDBOX_POLL_MAX_LOAD_PER_CORE per core. */
export function pollingPaysAt(load1: number, cores: number): boolean {
  return load1 <= cores * SANDBOX_POLL_MAX_LOAD_PER_CORE;
}

let checkedAt = -Infinity;
let pays = true;

/** Whether to poll in `mode`, reading the load average at most every SANDBOX_POLL_LOAD_CHECK_MS. */
export function pollingPays(mode: PollingMode = 'auto'): boolean {
  if (mode !== 'auto') return mode === 'always';
  const now = performance.now();
  if (now - checkedAt >= SANDBOX_POLL_LOAD_CHECK_MS) {
    checkedAt = now;
    pays = pollingPaysAt(loadavg()[0]!, availableParallelism());
  }
  return pays;
}
