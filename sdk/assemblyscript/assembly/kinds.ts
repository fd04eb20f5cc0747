// ABI v1 kind codes, returned by sluice_kind(); see sdk/ABI.md.
export const KIND_NONE: i32 = 0;
export const KIND_FILTER: i32 = 1;
export const KIND_MAP: i32 = 2;
export const KIND_FILTER_MAP: i32 = 3;
export const KIND_ARRAY_MAP: i32 = 4;
export const KIND_AGGREGATE: i32 = 5;

// ABI v1 error codes a guest returns from sluice_init / sluice_process; see sdk/ABI.md.
export const ERR_GUEST: i32 = -1;
export const ERR_BAD_INPUT: i32 = -2;
export const ERR_BAD_PARAMS: i32 = -3;
export const ERR_BAD_STATE: i32 = -4;
export const ERR_NOT_REGISTERED: i32 = -5;
// Also detected by the host; a guest may report it itself rather than fill its memory.
export const ERR_OUTPUT_TOO_LARGE: i32 = -101;

export const ABI_VERSION: i32 = 1;
