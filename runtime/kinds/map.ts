import type { KindRules } from './kind.js';

/** map: exactly one output record per input record. */
export const mapKind: KindRules = {
  kind: 'map',
  code: 2,
  usesState: false,
  checkOutputCount: (inCount, outCount) =>
    outCount === inCount ? null : `map returned ${outCount} records for ${inCount}`,
};
