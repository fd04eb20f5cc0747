/**
 * ABI v1 error codes (sdk/ABI.md, "Error codes"). Guests return the first group from
 * sluice_init / sluice_process; the host uses the second group for what it detects itself.
 */
export const ABI_ERROR = {
  /** The module's own error (its message says what). */
  GUEST: -1,
  /** The guest could not decode the input batch. */
  BAD_INPUT: -2,
  /** init rejected the params. */
  BAD_PARAMS: -3,
  /** aggregate: the state passed in is not one the module understands. */
  BAD_STATE: -4,
  /** The module registered no function for its kind. */
  NOT_REGISTERED: -5,
  // ---- host-detected ----
  /** The guest trapped (unreachable, out-of-bounds access, stack overflow...). */
  TRAP: -100,
  /** The output batch (or the state) is larger than the host allows. */
  OUTPUT_TOO_LARGE: -101,
  /** The guest's memory reached its maximum. */
  MEMORY_LIMIT: -102,
  /** The output batch or state pointers/length are malformed, or break the kind's rules. */
  BAD_OUTPUT: -103,
  /** The guest call missed its deadline (sandbox). */
  DEADLINE: -104,
} as const;

export type AbiErrorCode = (typeof ABI_ERROR)[keyof typeof ABI_ERROR];

const NAMES = new Map<number, string>(Object.entries(ABI_ERROR).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]));

/** A short name for a code, e.g. -3 → "bad-params"; unknown codes give "code <n>". */
export function abiErrorName(code: number): string {
  return NAMES.get(code) ?? `code ${code}`;
}
