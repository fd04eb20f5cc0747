/** The SmartModule runtime: ABI v1 host side, module loading, instances, registry. */
export { encodeBatch, decodeBatch, batchRecordCount, BatchDecodeError, type HostRecord, type HostHeader } from './abi/batch.js';
export { BatchBuffers, type BatchBuffersStats } from './abi/batch-buffers.js';
export { encodeParams, decodeParams, parseParamArgs, ParamsError } from './abi/params.js';
export { ABI_ERROR, abiErrorName, type AbiErrorCode } from './abi/error-codes.js';
export { loadModule, moduleId, ModuleValidationError, type LoadedModule, type ModuleKind } from './module-loader.js';
export { ModuleInstance, type InstanceLimits } from './instance.js';
export { ModuleError, type ModuleErrorKind } from './module-error.js';
export type { GuestLogHandler, GuestLogLevel } from './guest-imports.js';
export { MODULE_KINDS } from './kinds/index.js';
export {
  ModuleRegistry, ModuleNotFoundError, ModuleNameError, registerExampleModules, type ModuleEntry,
} from './registry.js';
export {
  buildModule, buildModules, exampleModuleDirs, moduleDirsIn, ModuleBuildError, type BuildResult,
} from './build/module-build.js';
export { readModuleManifest, moduleOutputPath, type ModuleManifest } from './build/module-manifest.js';
