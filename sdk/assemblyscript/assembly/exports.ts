// Re-export from a module's entry file: `export * from "@sluice/sdk/exports";`
export {
  sluice_alloc, sluice_abi_version, sluice_kind, sluice_init, sluice_process,
  sluice_output_ptr, sluice_output_len, sluice_state_ptr, sluice_state_len,
  sluice_error_ptr, sluice_error_len,
} from "./abi";
