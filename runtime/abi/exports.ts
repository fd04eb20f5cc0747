/**
 * The guest exports ABI v1 requires (sdk/ABI.md, "Exports"), with their signatures, and
 * the one import namespace it allows. Pointers and lengths are i32 (wasm32).
 */
import type { FuncSignature } from '../wasm-binary.js';

const sig = (params: number, results = 1): FuncSignature => ({
  params: Array<string>(params).fill('i32'),
  results: Array<string>(results).fill('i32'),
});

export const REQUIRED_FUNCTION_EXPORTS: ReadonlyMap<string, FuncSignature> = new Map([
  ['sluice_abi_version', sig(0)],
  ['sluice_kind', sig(0)],
  ['sluice_alloc', sig(1)],
  ['sluice_init', sig(2)],
  ['sluice_process', sig(4)],
  ['sluice_output_ptr', sig(0)],
  ['sluice_output_len', sig(0)],
  ['sluice_error_ptr', sig(0)],
  ['sluice_error_len', sig(0)],
]);

/** Required of aggregate modules only. */
export const AGGREGATE_FUNCTION_EXPORTS: ReadonlyMap<string, FuncSignature> = new Map([
  ['sluice_state_ptr', sig(0)],
  ['sluice_state_len', sig(0)],
]);

export const MEMORY_EXPORT = 'memory';

/** The only import namespace a module may use, and what is in it. */
export const IMPORT_NAMESPACE = 'sluice';
export const ALLOWED_IMPORTS: ReadonlyMap<string, FuncSignature> = new Map([
  // sluice.log(level, ptr, len): level 0 debug, 1 info, 2 warn, 3 error; UTF-8 message.
  ['log', { params: ['i32', 'i32', 'i32'], results: [] }],
]);

export function formatSignature(s: FuncSignature): string {
  const r = s.results.length === 0 ? '()' : s.results.length === 1 ? s.results[0]! : `(${s.results.join(', ')})`;
  return `(${s.params.join(', ')}) -> ${r}`;
}

/** The guest functions the host calls, as JavaScript sees them. */
export interface GuestExports {
  memory: WebAssembly.Memory;
  sluice_abi_version(): number;
  sluice_kind(): number;
  sluice_alloc(size: number): number;
  sluice_init(ptr: number, len: number): number;
  sluice_process(inPtr: number, inLen: number, statePtr: number, stateLen: number): number;
  sluice_output_ptr(): number;
  sluice_output_len(): number;
  sluice_error_ptr(): number;
  sluice_error_len(): number;
  sluice_state_ptr?(): number;
  sluice_state_len?(): number;
}
