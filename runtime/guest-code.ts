/**
 * A module's runnable code, whichever its format: a compiled core module (ABI v1) or a compiled
 * component (sdk/wit); and the one way the runners make an instance of it.
 */
import type { CompiledComponent } from './component/compiled-component.js';
import { ComponentInstance } from './component/component-instance.js';
import type { GuestInstance, InstanceLimits } from './guest-instance.js';
import { ModuleInstance } from './instance.js';

export type ModuleFormat = 'core' | 'component';

export type GuestCode = { format: 'core'; compiled: WebAssembly.Module } | { format: 'component'; component: CompiledComponent };

/** Instantiates the code and runs its init with `params`, synchronously; throws ModuleError when init fails. */
export function createGuestInstance(code: GuestCode, params: Record<string, string>, limits: InstanceLimits = {}): GuestInstance {
  return code.format === 'core' ? ModuleInstance.create(code.compiled, params, limits) : ComponentInstance.create(code.component, params, limits);
}
