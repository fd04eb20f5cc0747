import { atMostOnePerInput, type KindRules } from './kind.js';

/** filter: keeps or drops each record unchanged, so never more records out than in. */
export const filterKind: KindRules = {
  kind: 'filter',
  code: 1,
  usesState: false,
  checkOutputCount: atMostOnePerInput('filter'),
};
