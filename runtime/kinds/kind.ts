/** What is kind-specific in ABI v1: the kind code and the rules its output must follow. */
export type ModuleKind = 'filter' | 'map' | 'filter_map' | 'array_map' | 'aggregate';

export interface KindRules {
  kind: ModuleKind;
  /** The value sluice_kind() returns (sdk/ABI.md, "Kinds"). */
  code: number;
  /** The host passes state in and reads the new state back (aggregate only). */
  usesState: boolean;
  /** Why an output of `outCount` records for `inCount` input records breaks the kind's rules, or null. */
  checkOutputCount(inCount: number, outCount: number): string | null;
}

/** The output rule of kinds that give at most one record per input record. */
export function atMostOnePerInput(kind: ModuleKind): KindRules['checkOutputCount'] {
  return (inCount, outCount) => (outCount <= inCount ? null : `${kind} returned ${outCount} records for ${inCount}`);
}
