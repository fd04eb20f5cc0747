import type { KindRules } from './kind.js';

/** filter_map: zero or one output record per input record. */
export const filterMapKind: KindRules = {
  kind: 'filter_map',
  code: 3,
  usesState: false,
  checkOutputCount: (inCount, outCount) =>
    outCount <= inCount ? null : `filter_map returned ${outCount} records for ${inCount}`,
};
