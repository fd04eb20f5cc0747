/** The SmartModule runtime: ABI v1 host side, module loading, instances, the sandbox, error policies, registry. */
export { encodeBatch, decodeBatch, batchRecordCount, BatchDecodeError, type HostRecord, type HostHeader } from './abi/batch.js';
export { BatchBuffers, type BatchBuffersStats } from './abi/batch-buffers.js';
export { encodeParams, decodeParams, parseParamArgs, ParamsError } from './abi/params.js';
export { ABI_ERROR, abiErrorName, type AbiErrorCode } from './abi/error-codes.js';
export { loadModule, moduleId, ModuleValidationError, type LoadedModule, type ModuleKind } from './module-loader.js';
export { ModuleInstance, type InstanceLimits } from './instance.js';
export { createGuestInstance, type GuestCode, type ModuleFormat } from './guest-code.js';
export type { GuestInstance } from './guest-instance.js';
export { ComponentInstance } from './component/component-instance.js';
export { isComponent, transpileComponentBytes, TRANSPILER } from './component/component-loader.js';
export { WIT_PACKAGE, WORLDS, witDir, type WorldInfo } from './component/worlds.js';
export { ModuleError, type ModuleErrorKind } from './module-error.js';
export type { GuestLogHandler, GuestLogLevel } from './guest-imports.js';
export { MODULE_KINDS } from './kinds/index.js';
export {
  SandboxPool, InlineRunner, ModuleHandle, SandboxError, DeadlineExceededError, QueueFullError, PoolClosedError,
  type SandboxPoolOptions, type SandboxPoolStats, type ModuleRunner, type RegisterOptions, type RunOptions, type RunOutput,
  type ConvertedInput, type InputConverter, type InlineRunnerOptions,
  type SandboxErrorKind, type GuestErrorKind, type PollingMode,
} from './sandbox/index.js';
export {
  ErrorPolicy, PipelineHaltedError, ERROR_POLICY_NAMES, DEAD_LETTER_HEADER, describeFailure,
  type ErrorPolicyName, type ErrorPolicyOptions, type BatchFailure, type BatchOutcome, type DeadLetterSink,
} from './error-policy.js';
export {
  ModuleRegistry, ModuleNotFoundError, ModuleNameError, registerExampleModules, defaultModulesDir, type ModuleEntry,
} from './registry.js';
export {
  buildModule, buildModules, exampleModuleDirs, moduleDirsIn, ModuleBuildError, type BuildResult,
} from './build/module-build.js';
export { readModuleManifest, moduleOutputPath, type ModuleManifest, type ModuleLanguage } from './build/module-manifest.js';
export { initModule, ModuleInitError, MODULE_LANGUAGES, type InitOptions, type InitResult } from './build/module-init.js';
