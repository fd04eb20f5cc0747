// The ABI v1 exports (sdk/ABI.md). A module's entry file re-exports these:
//   export * from "@sluice/sdk/exports";
// Authors never call them; they register one function with the register* calls.
import { Record } from "./record";
import { Params } from "./params";
import { outputBegin, outputFinish, outputPtr, outputLen, outputRecord, outputOverflowed, OUTPUT_MAX_BYTES } from "./output";
import {
  ABI_VERSION, KIND_NONE, KIND_FILTER, KIND_MAP, KIND_FILTER_MAP, KIND_ARRAY_MAP, KIND_AGGREGATE,
  ERR_BAD_INPUT, ERR_BAD_PARAMS, ERR_NOT_REGISTERED, ERR_GUEST, ERR_OUTPUT_TOO_LARGE,
} from "./kinds";

export type FilterFn = (r: Record) => bool;
export type MapFn = (r: Record) => Record;
export type FilterMapFn = (r: Record) => Record | null;
export type ArrayMapFn = (r: Record) => Record[];
export type AggregateFn = (acc: Uint8Array, r: Record) => Uint8Array;
export type InitFn = (params: Params) => void;

function noFilter(r: Record): bool { return false; }
function noMap(r: Record): Record { return r; }
function noFilterMap(r: Record): Record | null { return null; }
function noArrayMap(r: Record): Record[] { return []; }
function noAggregate(acc: Uint8Array, r: Record): Uint8Array { return acc; }
function noInit(p: Params): void {}

let kind: i32 = KIND_NONE;
let filterFn: FilterFn = noFilter;
let mapFn: MapFn = noMap;
let filterMapFn: FilterMapFn = noFilterMap;
let arrayMapFn: ArrayMapFn = noArrayMap;
let aggregateFn: AggregateFn = noAggregate;
let initFn: InitFn = noInit;

function setKind(k: i32): void {
  // Registering twice is a module bug the host would otherwise see as the wrong kind.
  if (kind != KIND_NONE && kind != k) fail("a module registers exactly one function");
  kind = k;
}
export function registerFilter(f: FilterFn): void { setKind(KIND_FILTER); filterFn = f; }
export function registerMap(f: MapFn): void { setKind(KIND_MAP); mapFn = f; }
export function registerFilterMap(f: FilterMapFn): void { setKind(KIND_FILTER_MAP); filterMapFn = f; }
export function registerArrayMap(f: ArrayMapFn): void { setKind(KIND_ARRAY_MAP); arrayMapFn = f; }
export function registerAggregate(f: AggregateFn): void { setKind(KIND_AGGREGATE); aggregateFn = f; }
/** Called once per instance with the attach-time parameters, before any batch. */
export function registerInit(f: InitFn): void { initFn = f; }

// ---- error message region ----
// Raw memory with constant initialisers: the abort handler may run before any managed global exists.
@lazy let errorPtr: usize = 0;
@lazy let errorLen: i32 = 0;

export function setError(message: string): void {
  const n = String.UTF8.byteLength(message);
  if (errorPtr != 0) heap.free(errorPtr);
  errorPtr = heap.alloc(n > 0 ? <usize>n : 1);
  String.UTF8.encodeUnsafe(changetype<usize>(message), message.length, errorPtr);
  errorLen = n;
}

/** Ends the current batch with an error: the host reports `message` and the batch's offsets. */
export function fail(message: string): void {
  setError(message);
  unreachable();
}

/** Replaces AssemblyScript's env.abort (asc --use abort=...), so the module imports nothing. */
export function sluiceAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let m = message === null ? "abort" : message;
  if (fileName !== null) m += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  setError(m);
  unreachable();
}

// ---- host-allocated regions (input batch, params, state) ----
// Region i of a batch may be reused from the i-th region of the previous one: they are dead
// at the first sluice_alloc after a sluice_process or sluice_init (ABI.md, "Memory"), and
// reusing them saves an allocator round trip per batch. Capacities grow by doubling.
const regions = new Array<usize>(0);
const capacities = new Array<usize>(0);
let nextRegion: i32 = 0;
let regionsStale = false;

export function sluice_alloc(size: i32): usize {
  if (regionsStale) {
    nextRegion = 0;
    regionsStale = false;
  }
  const want: usize = size > 0 ? <usize>size : 1;
  const i = nextRegion++;
  if (i < regions.length) {
    if (unchecked(capacities[i]) >= want) return unchecked(regions[i]);
    heap.free(unchecked(regions[i]));
  }
  let cap: usize = 64;
  while (cap < want) cap <<= 1;
  const p = heap.alloc(cap);
  if (i < regions.length) {
    unchecked(regions[i] = p);
    unchecked(capacities[i] = cap);
  } else {
    regions.push(p);
    capacities.push(cap);
  }
  return p;
}

export function sluice_abi_version(): i32 { return ABI_VERSION; }
export function sluice_kind(): i32 { return kind; }

export function sluice_init(ptr: usize, len: i32): i32 {
  regionsStale = true;
  errorLen = 0;
  if (kind == KIND_NONE) { setError("module registered no function (call registerFilter, registerMap, ...)"); return ERR_NOT_REGISTERED; }
  const params = Params.decode(ptr, len);
  if (params === null) { setError("malformed params"); return ERR_BAD_PARAMS; }
  initFn(params);
  collectGarbage();
  return errorLen > 0 ? ERR_BAD_PARAMS : 0;
}

/** Rejects the params from init(): the host refuses to attach the module with this message. */
export function rejectParams(message: string): void { setError(message); }

// ---- aggregate state ----
let acc: Uint8Array = new Uint8Array(0);
let emitted: Uint8Array | null = null;

/** aggregate only: emit `value` for this record instead of the new accumulator. */
export function emit(value: Uint8Array): void { emitted = value; }

const current = new Record();

export function sluice_process(inPtr: usize, inLen: i32, statePtr: usize, stateLen: i32): i32 {
  regionsStale = true;
  errorLen = 0;
  if (inLen < 4) { setError("input batch shorter than its record count"); return ERR_BAD_INPUT; }
  const end = inPtr + <usize>inLen;
  const n = load<i32>(inPtr);
  let p = inPtr + 4;
  outputBegin();
  const k = kind;
  if (k == KIND_AGGREGATE) {
    acc = new Uint8Array(stateLen > 0 ? stateLen : 0);
    if (stateLen > 0) memory.copy(acc.dataStart, statePtr, <usize>stateLen);
  } else if (k == KIND_NONE) {
    setError("module registered no function");
    return ERR_NOT_REGISTERED;
  }
  const r = current;
  for (let i = 0; i < n; i++) {
    p = r.readFrom(p, end);
    if (p == 0) { setError("malformed input batch at record " + i.toString()); return ERR_BAD_INPUT; }
    const offset = r.offset;
    if (k == KIND_FILTER) {
      if (filterFn(r)) outputRecord(r, offset);
    } else if (k == KIND_MAP) {
      outputRecord(mapFn(r), offset);
    } else if (k == KIND_FILTER_MAP) {
      const o = filterMapFn(r);
      if (o !== null) outputRecord(o, offset);
    } else if (k == KIND_ARRAY_MAP) {
      const os = arrayMapFn(r);
      for (let j = 0; j < os.length; j++) outputRecord(os[j], offset);
    } else {
      emitted = null;
      acc = aggregateFn(acc, r);
      const e = emitted;
      r.setValue(e !== null ? e : acc);
      outputRecord(r, offset);
    }
    if (errorLen > 0) return ERR_GUEST;
    if (outputOverflowed()) {
      setError("output batch exceeds " + OUTPUT_MAX_BYTES.toString() + " bytes at record " + i.toString());
      collectGarbage();
      return ERR_OUTPUT_TOO_LARGE;
    }
  }
  const produced = outputFinish();
  collectGarbage();
  return produced;
}

// Modules are built with asc's "minimal" runtime: no shadow stack (which would cost a
// memory.fill per call on the record path), and a collector we run between batches, when
// nothing but globals can hold a managed reference.
@inline function collectGarbage(): void {
  if (isDefined(__collect)) __collect();
}

export function sluice_output_ptr(): usize { return outputPtr(); }
export function sluice_output_len(): i32 { return <i32>outputLen(); }
export function sluice_state_ptr(): usize { return acc.dataStart; }
export function sluice_state_len(): i32 { return kind == KIND_AGGREGATE ? acc.length : -1; }
export function sluice_error_ptr(): usize { return errorPtr; }
export function sluice_error_len(): i32 { return errorLen; }
