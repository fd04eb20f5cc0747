// The sluice AssemblyScript SDK: write one function per module kind and register it.
//
//   import { Record, registerFilter } from "@sluice/sdk";
//   export * from "@sluice/sdk/exports";
//   registerFilter((r: Record): bool => r.valueString().includes("error"));
export { Record, Header } from "./record";
export { Params } from "./params";
export {
  registerFilter, registerMap, registerFilterMap, registerArrayMap, registerAggregate, registerInit,
  fail, rejectParams, emit,
  FilterFn, MapFn, FilterMapFn, ArrayMapFn, AggregateFn, InitFn,
} from "./abi";
export {
  JsonField, JsonArrayIterator, JsonObjectIterator, JsonWriter, jsonUnescape, jsonNumber,
  JSON_NONE, JSON_STRING, JSON_NUMBER, JSON_OBJECT, JSON_ARRAY, JSON_TRUE, JSON_FALSE, JSON_NULL,
} from "./json";
export { log, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } from "./log";
export { upperCase } from "./case";
export { decodeUtf8 } from "./utf8";
export { sluiceAbort } from "./abi";
