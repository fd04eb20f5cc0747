import { atMostOnePerInput, type KindRules } from './kind.js';

/** filter_map: zero or one output record per input record. */
export const filterMapKind: KindRules = {
  kind: 'filter_map',
  code: 3,
  usesState: false,
  checkOutputCount: atMostOnePerInput('filter_map'),
};
