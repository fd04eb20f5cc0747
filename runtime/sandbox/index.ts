export { SandboxPool, type SandboxPoolOptions, type SandboxPoolStats } from './sandbox-pool.js';
export { InlineRunner, type InlineRunnerOptions } from './inline-runner.js';
export { ModuleHandle, type ConvertedInput, type InputConverter, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput } from './runner.js';
export { SandboxError, DeadlineExceededError, QueueFullError, PoolClosedError, type SandboxErrorKind, type GuestErrorKind } from './errors.js';
export type { InstanceLimits } from './messages.js';
export type { PollingMode } from './poll-gate.js';
