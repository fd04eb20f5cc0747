/**
 * Every limit and default of the SmartModule runtime, with its unit last and a one-line reason.
 */
export {};

// ---- sandbox (runtime/sandbox, runtime/error-policy.ts) ----
/** Worker threads in a sandbox pool; two cores, and one stuck module must not stall the others. */
export const SANDBOX_THREADS_DEFAULT = 2;
/** Batches waiting for a free worker before run() rejects; bounds host memory held by queued input. */
export const SANDBOX_QUEUE_MAX_BATCHES = 256;
/** Deadline of one guest call, counted from dispatch to a worker; a batch of 4096 records takes a few ms. */
export const SANDBOX_DEADLINE_MS_DEFAULT = 1000;
/** V8 old-generation heap of one worker: the worker's own JS only (guest memory is bounded by the module maximum). */
export const SANDBOX_WORKER_OLD_GENERATION_MB = 64;
/** V8 young-generation heap of one worker. */
export const SANDBOX_WORKER_YOUNG_GENERATION_MB = 16;
/** Stack of one worker; deep guest recursion traps instead of growing the host's stack. */
export const SANDBOX_WORKER_STACK_MB = 4;
/** Instances cached per worker (one per module and params); least recently used are dropped first. */
export const SANDBOX_WORKER_INSTANCES_MAX = 64;
/** Time close() waits for running batches before the workers are terminated. */
export const SANDBOX_CLOSE_TIMEOUT_MS = 5000;
